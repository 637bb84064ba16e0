"""The demo's people and their alliances: accounts, plans, members, voices, objectives."""

from dataclasses import dataclass, field

from parcours.accounts.models import FormOfAddress, User
from parcours.accounts.operations import create_user
from parcours.alliance.operations import approve_version, propose_version, save_voice
from parcours.plans.consent import answer_consent, consent_for
from parcours.plans.models import Member, Role
from parcours.plans.operations import (
    accept_invitation,
    create_invitation,
    create_parcours,
    designate_pilot,
    remove_member,
    set_tolerance,
)

PASSWORD = "parcours-demo-2026"


@dataclass
class DemoWorld:
    """Who and what the demo holds, for each domain's demo builder to use."""

    users: dict[str, User] = field(default_factory=dict)
    members: dict[tuple[str, str], Member] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)

    def member(self, parcours: str, user: str) -> Member:
        return self.members[(parcours, user)]


# How each demo user asked to be spoken of (Karim did not say: the neutral forms).
FORMS_OF_ADDRESS = {
    "sophie": FormOfAddress.feminine,
    "claire": FormOfAddress.feminine,
    "amina": FormOfAddress.feminine,
    "julien": FormOfAddress.masculine,
    "thomas": FormOfAddress.masculine,
    "marc": FormOfAddress.masculine,
}


def _user(world: DemoWorld, key: str, who: str, **kwargs) -> User:
    user = create_user(password=PASSWORD, **kwargs)
    user.form_of_address = FORMS_OF_ADDRESS.get(key)
    world.users[key] = user
    world.logins.append((user.email or user.login_name, PASSWORD, who))
    return user


def agree(person: Member, organisation_id: int) -> None:
    """The person (or their legal representative) agrees to share the plan with an
    organisation, when asked."""
    consent = consent_for(person.parcours_id, organisation_id)
    if consent is not None and consent.is_pending:
        answer_consent(person, consent, True)


def _join(
    world: DemoWorld,
    parcours: str,
    by: Member,
    key: str,
    role: Role,
    agreed_by: Member | None = None,
    **kwargs,
) -> Member:
    user = world.users[key]
    if role is Role.professional:
        kwargs["organisation"] = user.organisation.name
    invitation, token = create_invitation(by, role=role, **kwargs)
    if agreed_by is not None and invitation.organisation_id is not None:
        agree(agreed_by, invitation.organisation_id)
    member = accept_invitation(token, user)
    world.members[(parcours, key)] = member
    return member


def build_people(world: DemoWorld) -> None:
    admin = _user(
        world,
        "admin",
        "Platform admin: accounts and organisations, no plan contents",
        email="admin@demo.parcours.test",
        name="Admin Parcours",
    )
    admin.is_admin = True
    _user(
        world,
        "sophie",
        "Sophie, Léo's mother (family)",
        email="sophie@demo.parcours.test",
        name="Sophie Martin",
    )
    _user(
        world,
        "karim",
        "Karim, Léo's father (family)",
        email="karim@demo.parcours.test",
        name="Karim Martin",
    )
    _user(
        world,
        "claire",
        "Claire, coordinator of both plans (professional)",
        email="claire@demo.parcours.test",
        name="Claire Dubois",
        is_professional=True,
        organisation="Plateforme médico-sociale Les Tilleuls",
        function="coordinatrice de parcours",
    )
    _user(
        world,
        "julien",
        "Julien, teacher at the IME (professional)",
        email="julien@demo.parcours.test",
        name="Julien Moreau",
        is_professional=True,
        organisation="IME Les Tilleuls",
        function="enseignant spécialisé",
    )
    _user(
        world,
        "thomas",
        "Thomas, ESAT worker (the person, easy-read)",
        login_name="thomas",
        name="Thomas",
    )
    _user(
        world,
        "amina",
        "Amina, Thomas's sister (family)",
        email="amina@demo.parcours.test",
        name="Amina Benali",
    )
    _user(
        world,
        "marc",
        "Marc, workshop instructor at the ESAT (professional)",
        email="marc@demo.parcours.test",
        name="Marc Lefèvre",
        is_professional=True,
        organisation="ESAT Les Ateliers du Val",
        function="moniteur d'atelier",
    )


def build_leo(world: DemoWorld) -> None:
    """The seeds' example: parents who want an ordinary class, a team that proposes an
    internal teaching unit, and an objective agreed by all: that Léo develops well."""
    claire = create_parcours(world.users["claire"], person_name="Léo", role=Role.professional)
    world.members[("leo", "claire")] = claire
    designate_pilot(claire, claire)  # only the pilot invites the legal representative
    sophie = _join(world, "leo", claire, "sophie", Role.family, is_legal_representative=True)
    karim = _join(world, "leo", claire, "karim", Role.family)
    # Sophie, Léo's legal representative, agreed to share his plan with the IME.
    julien = _join(world, "leo", claire, "julien", Role.professional, agreed_by=sophie)
    save_voice(
        sophie,
        sophie,
        matters="Que Léo soit avec les enfants du quartier, qu'il ait des copains.",
        hopes="Qu'il aille à l'école ordinaire, avec une AESH, comme son grand frère.",
        worries="Qu'on l'enferme dans un parcours à part dont il ne sortira plus.",
        base_number=0,
    )
    save_voice(
        karim,
        karim,
        matters="Qu'il soit heureux et qu'il progresse en langage.",
        hopes="Une demi-pension à l'école du quartier.",
        worries="La fatigue : les journées sont longues pour lui.",
        base_number=0,
    )
    save_voice(
        julien,
        julien,
        matters="Que Léo apprenne à son rythme, sans être en échec.",
        hopes="Qu'il consolide la communication et la lecture.",
        worries="Qu'une classe ordinaire à 28 élèves le mette en difficulté tous les jours.",
        base_number=0,
    )
    version = propose_version(
        claire,
        text="Que Léo se développe bien : qu'il apprenne, qu'il communique mieux et qu'il ait des copains.",
        perimeter_in="La scolarité, les apprentissages, la communication, l'autonomie au quotidien.",
        perimeter_out="Les week-ends, les loisirs et la vie de famille restent l'affaire de la famille.",
        indicators="Léo se fait comprendre par des adultes qu'il ne connaît pas\n"
        "Léo a au moins un copain avec qui il joue\n"
        "Léo lit des mots simples",
        base_number=0,
    )
    for member in (sophie, karim, claire, julien):
        approve_version(member, version.number)
    # The pilot changes a rule of the plan, saying why: the timeline shows it.
    set_tolerance(
        claire,
        21,
        "Deux semaines de vacances scolaires sans service, ce n'est pas une rupture ; "
        "trois semaines, il faut s'en inquiéter.",
    )


def build_thomas(world: DemoWorld) -> None:
    """An ESAT worker with a voice of his own; his objective waits for his approval."""
    claire = create_parcours(world.users["claire"], person_name="Thomas", role=Role.professional)
    world.members[("thomas", "claire")] = claire
    thomas = _join(world, "thomas", claire, "thomas", Role.person)
    amina = _join(world, "thomas", claire, "amina", Role.family)
    # Thomas agreed to share his plan with the ESAT, then with the IME.
    marc = _join(world, "thomas", claire, "marc", Role.professional, agreed_by=thomas)
    designate_pilot(claire, marc)
    # Invited by mistake, then removed by the pilot (the access log says why).
    julien = _join(world, "thomas", claire, "julien", Role.professional, agreed_by=thomas)
    remove_member(marc, julien, "Invité par erreur : Julien suit Léo, pas Thomas.")
    del world.members[("thomas", "julien")]
    # The service that would help Thomas live on his own is invited: the plan waits for his
    # agreement (his plan page shows the question).
    create_invitation(claire, role=Role.professional, organisation="SAVS Les Passerelles")
    save_voice(
        thomas,
        thomas,
        matters="Mon travail à l'atelier espaces verts. Mes collègues.",
        hopes="Habiter dans mon appartement à moi.",
        help_me="M'expliquer avec des mots simples. Me laisser le temps.",
        worries="",
        base_number=0,
    )
    save_voice(
        amina,
        amina,
        matters="Que Thomas garde son travail et ses amis.",
        worries="Qu'il se sente seul s'il vit en appartement.",
        hopes="Qu'il soit accompagné pour vivre seul.",
        base_number=0,
    )
    version = propose_version(
        marc,
        text="Que Thomas vive dans son propre appartement en gardant son travail à l'ESAT.",
        perimeter_in="Le travail, le logement, les déplacements.",
        perimeter_out="Ses amitiés et ses loisirs : c'est sa vie à lui.",
        indicators="Thomas prend le bus seul pour aller à l'ESAT\nThomas fait ses courses avec une liste",
        base_number=0,
    )
    for member in (amina, marc):
        approve_version(member, version.number)
