"""Templates: sentences, links and form tokens called straight, links built once."""

from flask import Flask
from jinja2 import Environment

from parcours.core.templating import DirectCallGenerator

TEMPLATE = (
    "{{ _('Timeline') }}|{{ _('Hello %(name)s', name=who) }}|"
    "{{ url_for('timeline.new_handoff', parcours_id=3, **{'from': 5}) }}|"
    "{{ url_for('static', filename='css/timeline.css') }}|"
    "{% for n in [1, 2] %}{{ url_for('timeline.index', parcours_id=n) }} {% endfor %}|"
    "{% macro row(x) %}{{ _('Row %(n)s', n=x) }}{% endmacro %}{{ row('<b>') }}"
)


def test_the_calls_are_compiled_straight_to_their_functions(app):
    source = app.jinja_env.compile(TEMPLATE, raw=True)
    # The macro is called as Jinja calls it; the sentences, links and tokens are not.
    assert source.count("context.call(") == 1
    assert "(context.eval_ctx, 'Timeline')" in source


def test_a_page_reads_the_same_as_with_jinjas_own_calls(app):
    plain = Environment(autoescape=True)
    plain.globals.update(app.jinja_env.globals)
    assert plain.code_generator_class is not DirectCallGenerator
    with app.test_request_context("/"):
        direct = app.jinja_env.from_string(TEMPLATE).render(who="<Léa>")
        usual = plain.from_string(TEMPLATE).render(who="<Léa>")
    assert direct == usual
    assert "Hello &lt;Léa&gt;" in direct  # the values are escaped, the sentence is not
    assert "/parcours/3/timeline/handoffs/new?from=5" in direct
    assert "/parcours/1/timeline /parcours/2/timeline" in direct
    assert "Row &lt;b&gt;" in direct


def test_a_text_template_leaves_its_values_unescaped(app):
    with app.test_request_context("/"):
        text = app.jinja_env.from_string(
            "{% autoescape false %}{{ _('Hi %(n)s', n=x) }}{% endautoescape %}"
        )
        assert text.render(x="<Léa>") == "Hi <Léa>"


def test_a_link_built_once_is_the_link_flask_builds(app):
    with app.test_request_context("/"):
        kept = app.url_for("timeline.index", parcours_id=7)
        assert kept == Flask.url_for(app, "timeline.index", parcours_id=7)
        assert app.url_for("timeline.index", parcours_id=7) is kept  # the second time, kept
        # Another value, another link; a list of values, an anchor, a boolean: built each time.
        assert app.url_for("timeline.index", parcours_id=8) == "/parcours/8/timeline"
        assert app.url_for("timeline.index", parcours_id=7, k=[1, 2]).endswith("?k=1&k=2")
        # True and 1 are equal keys: a boolean is built, not taken for the 1 kept before.
        assert app.url_for("timeline.index", parcours_id=7, k=1).endswith("?k=1")
        assert app.url_for("timeline.index", parcours_id=7, k=True).endswith("?k=True")
        assert app.url_for("timeline.index", parcours_id=7, _anchor="flags").endswith("#flags")
        assert app.url_for("timeline.index", parcours_id=7, _external=True).startswith("http")
    # A site mounted under a path has its own links.
    with app.test_request_context("/", base_url="http://localhost/parcours-app/"):
        assert app.url_for("timeline.index", parcours_id=7) == "/parcours-app/parcours/7/timeline"
