"""Templates: the calls a page makes most, compiled straight to their functions.

Jinja compiles every call in a template to `context.call(function, ...)`, which inspects the
function each time to learn whether it wants the context. A page calls its sentences (`_`,
`gettext`) a hundred times, its links (`url_for`) and form tokens (`csrf_token`) dozens of
times, and what those functions want never changes: `DirectCallGenerator` compiles their calls
to the function itself, given the evaluation context (autoescaping on or off) when it asks for
it. Half of the cost of a sentence in a template was that inspection.

These names are reserved in templates: a template variable called `_` or `url_for` must be
such a function."""

from jinja2 import Environment, nodes
from jinja2.compiler import CodeGenerator, Frame

# The template functions called straight: whether each is given the evaluation context.
DIRECT_CALLS = {"_": True, "gettext": True, "url_for": False, "csrf_token": False}


class DirectCallGenerator(CodeGenerator):
    def visit_Call(self, node: nodes.Call, frame: Frame, forward_caller: bool = False) -> None:
        name = node.node.name if isinstance(node.node, nodes.Name) else None
        if name not in DIRECT_CALLS or forward_caller or self.environment.is_async:
            super().visit_Call(node, frame, forward_caller=forward_caller)
            return
        self.visit(node.node, frame)  # the function, as the template resolves the name
        # `signature` writes the arguments after a comma: after the evaluation context, or
        # after an empty unpacking (`f(*(), "a", b=1)` is `f("a", b=1)`).
        self.write("(context.eval_ctx" if DIRECT_CALLS[name] else "(*()")
        self.signature(node, frame)
        self.write(")")


def init_templating(environment: Environment) -> None:
    """Before any template is compiled."""
    environment.code_generator_class = DirectCallGenerator
