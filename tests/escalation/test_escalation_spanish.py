"""Spanish escalation (knowledge/escalation/es.yml), as US Latino families text it.

No accents, texting forms ("q", "xq", "ta"), typos and English words in between
("el dexcom dice LOW", "el pump no sirve"). Every message is read with every
language it is written in (assess, assess_any_language); the reasons are in the
reply language.
"""

import pytest

from bot.core.escalation import assess, assess_any_language, assess_turns, load_rules
from bot.core.escalation.lexicon import load_lexicon

ES = load_lexicon("es")
EN = load_lexicon("en")

EMERGENCY = [
    "mi hija no despierta",
    "no la puedo despertar!!",
    "no reacciona, que hago",
    "mi hijo esta inconsciente",
    "esta inconciente",
    "se desmayo en la escuela",
    "se desmallo y no responde",
    "lo encontre desmayado en el baño",
    "le dio una convulsión",
    "esta convulsionando ahorita",
    "tiene convulsiones",
    "AYUDA esta convulsionando",
    "le esta dando un ataque, tiene los ojos en blanco",
    "esta temblando y sudando y no habla bien",
    "esta en 45 y esta muy confundida",
    "el azucar en 50 y esta muy adormilado",
    "tiene 52 y no quiere comer ni tomar nada",
    "esta en 48 y no puede tomar el jugo",
    "no puede tragar",
    "no puede tragar el jugo y esta bajita",
    "le cuesta respirar",
    "no puede respirar bien",
    "respira muy rapido y tiene aliento a fruta",
    "respira rapido y profundo, el azucar esta en 450",
    "esta vomitando y tiene cetonas",
    "vomito 3 veces y las cetonas salieron altas",
    "esta devolviendo todo y tiene cetonas moderadas",
    "le puse el glucagon",
    "le tuvimos que dar glucagón",
    "ya llame al 911",
    "vamos a urgencias",
    "estamos en la emergencia con mi hijo",
    "el dexcom dice LOW y no despierta",
    "le puse doble bolo y ahora esta muy somnoliento",
    "le di insulina dos veces y esta confundido",
    "esta en trescientos y esta muy confundido",
    "tiene 2,8 y no responde",
    "esta en cuarenta y cinco y no reacciona",
    "ta en 40 y no kiere comer",
    "q hago no despierta",
    "esta como borracho y el azucar en 55",
    "labios morados y no respira bien",
    "le salio 38 y esta bien adormilada",
    "se desmayo y tiene 42",
    "esta muy palida y sudando frio y no me contesta",
    "no reacciona y el pump no sirve",
    "convulciona",
    "esta bomitando y tiene setonas",
    "mi hija se esta ahogando, no puede respirar",
    "tuvo una convulsion hace 10 minutos",
    "no hay forma de despertarla",
    "tratamos de despertarlo y nada, no abre los ojos",
    "se le fueron los ojos para atras y se sacudia",
    "no lo puedo despertar para darle jugo",
    "esta en 52 y no me hace caso, anda como ida",
    "está tan ida que no puede tomar nada",
    "mi bebe esta flojita y no quiere comer, 50",
    "ya le dimos jugo 2 veces y sigue en 40 y no quiere mas",
    "le esta costando respirar y tiene 500",
    "perdio el conocimiento",
]

CLINIC = [
    "esta en 45",
    "le salio en 300",
    "tiene 52",
    "el azucar esta en 2,8",
    "la glucosa salio en 350 mg/dl",
    "tiene cuarenta y cinco",
    "esta en trescientos",
    "el nivel esta en doscientos cincuenta y uno",
    "el dexcom dice LOW",
    "el medidor marca HI",
    "la bomba no funciona",
    "el pump no sirve",
    "se salio el cateter",
    "se le salio la canula",
    "alarma de oclusion y no se que hacer",
    "le puse doble bolo",
    "le di insulina dos veces",
    "se me olvido ponerle la insulina del almuerzo",
    "le puse humalog en vez de lantus",
    "tiene cetonas",
    "cetonas moderadas",
    "esta vomitando",
    "vomito 2 veces hoy",
    "esta devolviendo todo lo que come",
    "esta temblando y sudando",
    "esta mareada y palida",
    "esta muy confundido",
    "no habla bien",
    "esta bajita",
    "tuvo un bajon en la noche",
    "le esta bajando muy rapido",
    "doble flecha para abajo",
    "el azucar esta por las nubes",
    "esta muy alta y no baja",
    "todas las noches baja a 60",
    "cada noche tiene bajones",
    "sigue alta todo el dia",
    "los azucares andan locos",
    "le doy mas insulina?",
    "cuanta insulina le pongo para 350?",
    "la bomba tiene error y esta en 320",
    "esta enfermo con fiebre y tiene 300",
    "tiene mucha sed y esta alta",
    "amanecio en 400",
    "el azucar de mi hija esta en 38",
    "esta en 20",
    "tiene 3.1 mmol",
    "ayer se desmayo",
    "se desmayo pero ya esta bien",
    "la bomba no prende",
    "anda en 55 en la escuela",
    "le bajo a 50",
    "le salio 300 en el dexcom",
    "q hago tiene 45",
    "la bomba dice oclusion",
    "mi hijo esta en 62 xq jugo futbol",
    "lleva dos dias arriba de 300",
    "bajas frecuentes",
    "se le baja de 70 en las noches",
    "tengo 62 que hago",
    "la manguera tiene burbujas",
    "no sale insulina de la bomba",
    "se le desconecto la bomba en la noche",
    "se me paso la mano con la insulina",
    "esta en HI",
    "los niveles suben y bajan",
    "no se le quita lo alto",
    "creo que le puse de mas",
]

NONE = [
    "esta en 110, todo bien",
    "el azucar esta en 120",
    "tiene 9 años",
    "mi hija tiene 9",
    "tiene 14 años y usa la bomba",
    "toma antibiotico por 5 a 7 dias",
    "la cita es el 15 de marzo",
    "la cita es a las 3",
    "tiene diabetes tipo 1",
    "tiene 2 hermanos",
    "que hago si le baja a 50?",
    "que pasa si no despierta?",
    "en caso de que tenga una convulsion, que hago?",
    "por si acaso, como se usa el glucagon?",
    "que hago si vomita?",
    "no tiene cetonas",
    "sin cetonas, ya revise",
    "no ha vomitado",
    "nunca ha tenido una convulsion",
    "ya no tiene cetonas",
    "las cetonas salieron negativas",
    "el año pasado se desmayo una vez",
    "hace un mes tuvo una convulsion pero ya esta bien",
    "hace 2 años estuvo en el hospital por cetoacidosis",
    "cuando lo diagnosticaron tenia 500",
    "el hijo de mi vecina tuvo una convulsion",
    "la hija de mi vecina tiene convulsiones",
    "vi un video de un niño que se desmayo",
    "que es la cetoacidosis?",
    "que significa oclusion?",
    "que son las cetonas?",
    "necesito pedir mas tiras de cetonas",
    "donde consigo glucagon?",
    "la receta de glucagon ya se vencio",
    "cuantas unidades caben en el cartucho?",
    "a que hora es la clase de la bomba?",
    "mi hija tiene 12 y quiere la bomba",
    "cuanto cuesta la bomba?",
    "gracias, todo bien",
    "el nivel esta en 180 despues de cenar",
    "su glucosa esta estable en 140",
    "le ponemos la insulina 2 veces al dia",
    "tiene cita con el endo en 2 semanas",
    "vamos a la escuela a las 8",
    "su a1c salio en 7.5",
    "como se si tiene cetonas?",
    "cuales son los sintomas de un bajon?",
    "le dieron de alta del hospital",
    "ya esta en 100, gracias",
    "mi hijo tiene 7 años y pesa 25 kilos",
    "el pump es nuevo y funciona bien",
    "la canula se cambia cada 3 dias",
    "si, esta en 120",
    "tiene 39 de fiebre",
    "nacio el 5 de mayo del 2015",
    "su numero es 555 123 4567",
    "cuando debo llamar si tiene cetonas?",
    "la hemoglobina a1c bajo a 7.2",
    "la maestra pregunta que hacer si tiene un bajon",
    "cuando era bebe tuvo convulsiones por fiebre",
    "si se le sale el cateter que hacemos",
    "cuando se usa el glucagon",
    "que son las convulsiones por azucar baja?",
    "como se que tiene un bajon?",
    "que significa cuando la bomba dice oclusion?",
    "la semana de practica con el pump sin insulina como funciona",
    "el set se le despega a media practica, como lo mantenemos pegado?",
    "no le gusta el jugo de naranja",
    "tiene miedo de las agujas",
    "lo diagnosticaron con 600 de azucar hace 2 años",
    "mi hijo tiene muchas preguntas que yo no se contestar",
]


def _ids(cases):
    return [c[:40] for c in cases]


def test_case_counts():
    assert len(EMERGENCY) >= 40 and len(CLINIC) >= 40 and len(NONE) >= 40
    everything = EMERGENCY + CLINIC + NONE
    assert len(everything) == len(set(everything)), "duplicate case"


def _spanish_reasons(a):
    assert a.language == "es"
    assert a.reasons == [ES.reasons[k] for k in a.reason_keys]
    assert not set(a.reasons) & set(EN.reasons.values())


@pytest.mark.parametrize("text", EMERGENCY, ids=_ids(EMERGENCY))
def test_emergency(text):
    a = assess(text, language="es")
    assert a.level == "emergency", (a.reason_keys, sorted(a.signals))
    assert a.reasons
    _spanish_reasons(a)
    assert "es" in a.read_in


@pytest.mark.parametrize("text", CLINIC, ids=_ids(CLINIC))
def test_clinic(text):
    a = assess(text, language="es")
    assert a.level == "clinic", (a.reason_keys, sorted(a.signals))
    assert a.reasons
    _spanish_reasons(a)


@pytest.mark.parametrize("text", NONE, ids=_ids(NONE))
def test_benign(text):
    a = assess(text, language="es")
    assert a.level == "none", (a.reason_keys, sorted(a.signals))
    assert a.reasons == []


@pytest.mark.parametrize("text", EMERGENCY[:10] + CLINIC[:10] + NONE[:10])
def test_spanish_lexicon_alone_agrees(text):
    """The Spanish lexicon finds these on its own: English adds nothing to them."""
    assert assess(text, language="es", read_in=("es",)).level == assess(text, language="es").level


# --- readings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, mgdl",
    [
        ("esta en 45", 45),
        ("le salio en 300", 300),
        ("tiene 52", 52),
        ("el azucar esta en 2,8", 2.8 * 18),
        ("la glucosa esta en 13,5", 13.5 * 18),
        ("tiene cuarenta y cinco", 45),
        ("esta en trescientos", 300),
        ("el nivel marca doscientos cincuenta y uno", 251),
        ("le salio en trescientos diez", 310),
        ("esta en ciento veinte", 120),
        ("tiene dos punto ocho", 2.8 * 18),
        ("la glucosa salio en 350 mg/dl", 350),
        ("el dexcom marca 65", 65),
        ("amanecio con 58", 58),
        ("tiene 45 de azucar", 45),
    ],
)
def test_readings(text, mgdl):
    assert assess(text, language="es").reading_mgdl == pytest.approx(mgdl)


@pytest.mark.parametrize(
    "text",
    [
        "tiene 9",
        "mi hija tiene 8 años",
        "tiene 2 hermanos",
        "lleva 3 dias con gripa",
        "toma antibiotico por 5 a 7 dias",
        "la cita es a las 3",
        "el 15 de marzo es su cita",
        "tiene diabetes tipo 1",
        "come 45 gramos de carbohidratos",
        "le pongo 3 unidades",
        "tiene 39 de fiebre",
        "el 20% de los niños",
        "mide 1.20 m",
    ],
)
def test_numbers_that_are_not_readings(text):
    a = assess(text, language="es")
    assert a.reading_mgdl is None and a.level == "none", (a.reason_keys, a.reading_mgdl)


# --- context ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, level",
    [
        ("no tiene cetonas", "none"),
        ("ya no vomita", "none"),
        ("sin vomito", "none"),
        ("nunca se ha desmayado", "none"),
        ("ya no despierta", "emergency"),  # "no" is part of the sign
        ("que hago si le baja a 50?", "none"),
        ("que pasa si le da una convulsion", "none"),
        ("en caso de que vomite", "none"),
        ("por si se desmaya, que hacemos", "none"),
        ("si vomita y tiene cetonas", "clinic"),  # a plain "si": maybe now
        ("si, esta vomitando", "clinic"),  # "yes"
        ("ayer vomito", "clinic"),  # days ago: the team, not 911
        ("ayer se desmayo", "clinic"),
        ("la semana pasada tuvo una convulsion", "clinic"),
        ("el año pasado tuvo una convulsion", "none"),
        ("hace un mes se desmayo", "none"),
        ("se desmayo pero ya esta bien", "clinic"),
        ("mi primo tiene convulsiones", "none"),
        ("la hija de mi amiga se desmayo", "none"),
        ("que es la cetoacidosis", "none"),
        ("es broma, no se desmayo", "none"),
    ],
)
def test_context(text, level):
    assert assess(text, language="es").level == level


# --- turns, languages, reasons -----------------------------------------------------------


def test_turns_complete_each_other():
    a = assess_turns("y tiene cetonas", ["esta vomitando desde la manana"], language="es")
    assert a.level == "emergency" and a.from_context
    b = assess_turns("y ahora no despierta", ["lleva todo el dia vomitando"], language="es")
    assert b.level == "emergency"


def test_any_language_reads_either_and_answers_in_the_reply_language():
    es = assess_any_language("no despierta", "en")
    assert es.level == "emergency" and es.language == "en" and es.reasons == [EN.reasons["unresponsive"]]
    en = assess_any_language("she won't wake up", "es")
    assert en.level == "emergency" and en.reasons == [ES.reasons["unresponsive"]]
    turns = assess_any_language(["esta vomitando desde la manana", "y tiene cetonas"], "es")
    assert turns.level == "emergency" and turns.from_context
    mixed = assess_any_language("mi hija is at 45 and she's confused", "es")
    assert mixed.level == "emergency" and set(mixed.read_in) == {"en", "es"}


def test_each_language_keeps_its_own_context():
    # English does not read "si" (if), Spanish does not read "if": each reads its own language.
    assert assess_any_language("que hago si le da una convulsion", "es").level == "none"
    assert assess_any_language("what do i do if he has a convulsion", "en").level == "none"
    assert assess_any_language("he had a seizure 3 years ago, can he still get a pump", "en").level == "none"


def test_spanglish():
    assert assess("el dexcom dice LOW", language="es").reason_keys == ["meter_lo"]
    assert assess("el pump no sirve", language="es").pump_failure
    assert assess("le dio un seizure", language="es").level == "emergency"
    assert assess("el sensor dice lo mismo", language="es").level == "none"  # "lo" the pronoun


def test_reason_text_joins_with_the_languages_and():
    a = assess("esta vomitando y se salio el cateter", language="es")
    assert a.level == "clinic" and len(a.reasons) == 2
    assert a.reason_text == f"{a.reasons[0]} y {a.reasons[1]}"
    assert assess("throwing up and the site fell out").reason_text.count(" and ") == 1


def test_every_reason_has_a_spanish_text():
    rules = load_rules()
    assert set(ES.reasons) == {r.reason for r in rules.rules}
    assert ES.reasons["low_report"] == "un nivel bajo de azúcar en la sangre"
    assert ES.reasons["reading_low"].endswith(str(int(rules.thresholds["low_mgdl"])))
    assert set(ES.classifier_reasons) == {"emergency", "clinic"}
    assert ES.classifier_reasons["clinic"] != EN.classifier_reasons["clinic"]


def test_spanish_is_registered():
    assert "es" in load_rules().languages


# --- the machinery Spanish needed ------------------------------------------------------


@pytest.mark.parametrize(
    "word, lemma",
    [
        ("despertarla", "despertar"),
        ("despertarlo", "despertar"),
        ("darle", "dar"),
        ("dandoselo", "dar"),
        ("tomarlo", "tomar"),
        ("despierta", "despertar"),
        ("confundida", "confundir"),
        ("cetonas", "cetona"),
        ("no", "no"),  # the table says "numero"
        ("de", "de"),  # the table says "dar"
    ],
)
def test_spanish_lemmas_and_joined_pronouns(word, lemma):
    assert ES.words.lemma(word) == lemma
    assert ES.words.expand(word) == (word,)  # never "repaired"


def test_words_of_another_language_are_left_to_it():
    # Read together with English, Spanish leaves English words as they are.
    assert [t.text for t in ES.read("she vomits", [EN.words]).tokens] == ["she", "vomits"]


@pytest.mark.parametrize(
    "text",
    [
        "Está en ４５ mg/dL",
        "٣٠٠ mmol",
        "5.2mM ñandú ÅNGSTRÖM",
        "ﬁ ligature",
        "नमस्ते ३००",
        "“quoted” it’s `x`",
        "Ｆｕｌｌ",
        "DESPERTÓ",
    ],
)
def test_fold_fast_paths_give_the_full_result(text):
    import unicodedata

    from bot.core.text import normalise as n

    t = n._INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    t = n._MILLIMOLAR.sub(r"\1 mmol", t)
    t = "".join(n._ascii_digit(c) for c in t).lower().translate(n._QUOTES)
    d = unicodedata.normalize("NFD", t)
    assert n.fold(text) == unicodedata.normalize("NFC", "".join(c for c in d if unicodedata.category(c) != "Mn"))


def test_decades_and_spanish_numbers():
    assert ES.numbers.spell("en los cuarentas") == "en los 40s"
    assert ES.numbers.spell("dos cientos") == "200"  # typed apart, not "the 200s"
    assert ES.numbers.spell("cuarenta y cinco") == "45"
    assert ES.numbers.spell("cinco y seis") == "5 y 6"
    assert EN.numbers.spell("in the three hundreds") == "in the 300s"


def test_spanish_lexicon_copies_load_and_mistakes_name_the_field(tmp_path):
    import copy

    import yaml

    from bot.core.escalation.rules import ESCALATION_DIR
    from bot.core.knowledge.errors import KnowledgeError

    data = yaml.safe_load((ESCALATION_DIR / "es.yml").read_text(encoding="utf-8"))
    rules = load_rules()
    path = tmp_path / "es.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_lexicon("es", rules, path).reasons == ES.reasons
    for mutate, field in [
        (lambda d: d.pop("markers"), "markers"),
        (lambda d: d.pop("and_word"), "and_word"),
        (lambda d: d["clitics"].pop("verbs"), "clitics.verbs"),
        (lambda d: d["numbers"].pop("decades"), "numbers.decades"),
        (lambda d: d["readings"].pop("on_words"), "readings.on_words"),
        (lambda d: d["readings"].update(clause_words=[]), "readings.clause_words"),
    ]:
        broken = copy.deepcopy(data)
        mutate(broken)
        path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
        with pytest.raises(KnowledgeError) as info:
            load_lexicon("es", rules, path)
        assert info.value.field == field


# --- gaps found by a blind Spanish evaluation (own sentences, several shapes each) -------
# Each mirrors what en.yml does with the same sign or context.

GAP_CASES = {
    # 1. Cannot wake, with an object pronoun and poder (en: "can't wake her"): alone or with a low.
    "cannot_wake": (
        "emergency",
        [
            "no lo podemos despertar de la siesta",
            "no le pude despertar esta manana",
            "la estoy llamando y no la pudimos despertar",
            "no logramos despertarlo, ya le hablamos fuerte",
            "mi nina no se despierta de la siesta y marca 58",
            "no hay forma de que se despierte",
            "no hay manera de despertarlo y esta bajito",
            "intente despertarla y no pude",
            "tratamos de despertarlo pero nada",
            "esta dormida y no la puedo levantar",
            "nolo puedo despertar",
            "tiene 45 y no despierta todavia",
        ],
    ),
    # 2. A seizure told by its signs (en: "stiff and jerking", "eyes rolled back").
    "seizure_signs": (
        "emergency",
        [
            "se quedo tieso y empezo a sacudirse",
            "esta toda rigida y brincando",
            "tiene el cuerpo tieso y temblando todo el cuerpo",
            "se puso engarrotada y se mueve raro",
            "esta rigido y hace movimientos raros",
            "se le voltearon los ojos",
            "se le van los ojos y no contesta",
            "tiene los ojos volteados",
            "se estaba sacudiendo en el sillon",
            "anda en 40 y se sacude",
            "hace movimientos raros con los brazos y las piernas",
            "le tiembla todo el cuerpo",
        ],
    ),
    # 3. A dose given twice, doubled, too much or by mistake (en: insulin_mistake).
    "insulin_mistake": (
        "clinic",
        [
            "le pusimos el bolus dos veces",
            "le di la insulina doble",
            "le aplique doble bolo sin querer",
            "le inyectamos de mas",
            "le duplique la dosis de la cena",
            "le repeti el bolo por error",
            "le volvi a poner la insulina por equivocacion",
            "me equivoque de insulina",
            "su papa y yo le dimos la insulina los dos",
        ],
    ),
    # 4. Not remembering whether a dose went in (en: "can't remember if I bolused": insulin_mistake).
    "forgot_whether_dosed": (
        "clinic",
        [
            "se me olvido si le puse el bolo del almuerzo",
            "ya no me acuerdo si le di la insulina",
            "no recuerdo si ya le inyecte, le pongo otra?",
            "no se si ya le pusieron la insulina en la escuela",
            "no estoy segura si le di su lantus",
            "no sabemos si le puso el bolo o no",
            "mi esposo no se acuerda si le dio la insulina, le damos otra?",
        ],
    ),
}

GAP_CALM = {
    # 5. A past episode is not a current concern (en: history cues, "in october").
    "history": [
        "en octubre tuvo una convulsion",
        "tuvo una convulsion en enero",
        "a principios de marzo se desmayo en la escuela",
        "el diciembre pasado estuvo en el hospital con cetonas",
        "hace unos meses se desmayo",
        "hace algunos meses tuvo convulsiones",
        "en agosto le dio una convulsion, ya la maestra sabe que hacer",
    ],
    # 6. General and just-asking questions (en: "how do you treat a low? just asking").
    "general_question": [
        "como se tratan las bajas?",
        "como se tratan las bajas? nada mas pregunto",
        "solo pregunto, como se maneja una convulsion",
        "nada mas pregunto sobre las convulsiones",
        "pregunto por curiosidad, que pasa cuando tiene cetonas",
        "que se hace con una baja?",
        "cual es el tratamiento para un bajon?",
        "para estar preparada, que se hace cuando se desmaya?",
        "quiero estar lista, como se trata un bajon",
    ],
    # Benign look-alikes of the new patterns.
    "look_alikes": [
        "el perro se sacude el agua",
        "se sacude la arena de los pies",
        "tiene las manos tiesas de frio",
        "el horario de la escuela es muy rigido",
        "me voltea los ojos cuando le digo que se cheque",
        "se le van los dientes de leche",
        "no me acuerdo si le di de comer al perro",
        "no se si le puse bien el sensor",
        "no me acuerdo que dosis le toca en la noche",
        "no se si ponerle insulina para la merienda",
        "le di doble porcion de comida",
        "el bolo doble de la bomba como funciona?",
        "le puse la insulina, le doy otro jugo?",
        "le dimos los 2 jugos",
        "le ponemos el bolo 2 veces al dia, con el desayuno y la cena",
        "en octubre le ponen la bomba",
        "la cita es en marzo",
        "no la puedo levantar para la escuela",
        "no la puedo levantar, pesa mucho",
        "trate de despertarla para la escuela y no quiso",
        "no despierta todavia, son las 9",
    ],
}


@pytest.mark.parametrize(
    "gap, text, level",
    [(gap, text, level) for gap, (level, texts) in GAP_CASES.items() for text in texts],
    ids=lambda v: v[:40] if isinstance(v, str) else None,
)
def test_blind_gaps_escalate(gap, text, level):
    a = assess(text, language="es")
    assert a.level == level, (gap, a.reason_keys, sorted(a.signals))
    _spanish_reasons(a)


@pytest.mark.parametrize(
    "gap, text",
    [(gap, text) for gap, texts in GAP_CALM.items() for text in texts],
    ids=lambda v: v[:40] if isinstance(v, str) else None,
)
def test_blind_gaps_stay_calm(gap, text):
    a = assess(text, language="es")
    assert a.level == "none", (gap, a.reason_keys, sorted(a.signals))


def test_gap_cases_are_new():
    gap = [t for _, texts in GAP_CASES.values() for t in texts] + [t for ts in GAP_CALM.values() for t in ts]
    assert len(gap) == len(set(gap)), "duplicate case"
    assert not set(gap) & set(EMERGENCY + CLINIC + NONE)


@pytest.mark.parametrize(
    "text, level",
    [
        # The concept is found, the reason is the concept's.
        ("se puso tiesa y se esta sacudiendo", "seizure"),
        ("se me olvido si le puse la insulina", "insulin_mistake"),
        ("le puse el bolus dos veces", "insulin_mistake"),
        ("no la puedo despertar", "unresponsive"),
    ],
)
def test_blind_gaps_name_the_concept(text, level):
    assert assess(text, language="es").reason_keys == [level]


@pytest.mark.parametrize(
    "text, level",
    [
        # A past month is history; what goes on since, or happens now, is not.
        ("en octubre empezo a tener bajones cada noche", "clinic"),
        ("desde octubre tiene bajones cada noche", "clinic"),
        ("en octubre tuvo una convulsion y ahora esta convulsionando otra vez", "emergency"),
        # Over now: the team, not 911 (en: "she passed out but she's fine now").
        ("tuvo una convulsion en la escuela, ya la maestra sabe que hacer", "clinic"),
        ("se desmayo pero ya se siente mejor", "clinic"),
        ("se desmayo en el recreo, la enfermera ya sabe que hacer", "clinic"),
        ("no reacciona, ya sabemos que hacer pero queremos saber", "emergency"),
        ("tuvo una convulsion, ya paso", "clinic"),
        # "ya paso una hora" is time going by, not recovery.
        ("no se despierta, ya paso una hora", "emergency"),
        # Shaking alone is a sign of a low, all over a seizure.
        ("tiembla todo el tiempo", "clinic"),
        ("esta temblando toda la noche", "clinic"),
        ("le tiembla todo el cuerpo de nervios", "none"),
        # Just asking never hides a number or a sign told as now.
        ("solo pregunto, esta en 50", "clinic"),
        ("solo pregunto porque esta en 50", "clinic"),
        # Remembering, forgetting and "another one" only about insulin.
        ("no me acuerdo si le di, le pongo otra?", "clinic"),
        ("se me olvido si le di su insulina, le doy otra?", "clinic"),
    ],
)
def test_blind_gaps_context(text, level):
    assert assess(text, language="es").level == level


@pytest.mark.parametrize(
    "spanish, english",
    [
        ("no la puedo despertar", "i can't wake her"),
        ("esta tiesa y se sacude", "she's stiff and jerking"),
        ("se le voltean los ojos", "her eyes rolled back"),
        ("esta temblando toda", "she's shaking all over"),
        ("le puse el bolo dos veces", "i gave the bolus twice"),
        ("no me acuerdo si le puse el bolo, le pongo otro?", "i can't remember if i bolused, should i give another"),
        ("tuvo una convulsion en octubre", "she had a seizure in october"),
        ("se desmayo hace unos meses", "she passed out a few months ago"),
        ("se desmayo pero ya esta bien", "she passed out but she's fine now"),
        ("como se tratan las bajas? nada mas pregunto", "how do you treat a low? just asking"),
    ],
)
def test_blind_gaps_agree_with_english(spanish, english):
    es, en = assess(spanish, language="es"), assess(english, language="en")
    assert es.level == en.level, (es.reason_keys, en.reason_keys)
    # The same first reason ("le pongo otro?" also asks for a dose now: dose_request after it).
    assert es.reason_keys[:1] == en.reason_keys[:1]


@pytest.mark.parametrize(
    "text,language",
    [
        ("estoy cuidando a mi sobrina y no despierta, su sensor dice 38", "es"),
        ("mi sobrino esta convulsionando", "es"),
        ("i'm babysitting my niece and she won't wake up, her dexcom says 41", "en"),
        ("my nephew is having a seizure", "en"),
    ],
)
def test_a_niece_or_nephew_is_the_child_in_the_writers_care(text, language):
    # An aunt, uncle or sitter writes about the child they look after: doubt escalates.
    assert assess(text, language=language).level == "emergency"


# Lows told over a stretch of time, a sleeping child nobody can get up, and
# Caribbean forms ("ta" for "esta", "pa" for "para", "nene", "nena").
SPAN_LOWS = [
    "los ultimos dias ha estado por debajo de 70 casi todas las noches",
    "estas noches ha estado debajo de 70",
    "ultimamente anda por debajo de 70 todas las noches",
    "esta semana ha estado menos de 70 casi todas las noches",
    "los dias ha estado en 60",
    "los dias ha estado por debajo de 70",
    "debajo de 70 casi todas las noches",
    "ha estado en 55 los ultimos dias",
    "estos dias amanece en 62",
]
SPAN_CALM = [
    "los ultimos dias ha estado en 120",
    "estos dias ha estado en 70, esta bien?",
    "esta semana ha estado en 3 citas",
    "los dias de escuela tiene 2 clases de educacion fisica",
    "hoy es 30",
    "la semana es 30",
]
CANNOT_GET_UP = [
    "no hay forma de levantarlo",
    "no hay manera de levantarla, esta durmiendo y el dexcom dice 45",
    "ta durmiendo y no se levanta",
    "esta durmiendo y no se levanta, esta en 50",
    "no se levanta, ta durmiendo y tiene 48",
    "no puedo levantarla, esta dormida",
    "mi nene ta durmiendo, no hay manera de levantarlo",
    "no hay forma de levantar al nene, ta en 45",
]
GET_UP_CALM = [
    "no se quiere levantar pa la escuela",
    "no se quiere levantar pa' la escuela",
    "no lo puedo levantar, pesa mucho",
    "esta dormida y no se levanta para la escuela",
    "no hay forma de levantarlo para la escuela",
    "no se levanta del sillon, esta viendo tele",
    "esta acostado y no se levanta, dice que esta cansado",
    "mi amiga dice que su nena no se levanta, ta durmiendo",
]
CARIBBEAN = [
    ("ta en 50", "clinic"),
    ("el nene ta en 50", "clinic"),
    ("la nena ta vomitando", "clinic"),
    ("la nena ta vomitando y tiene cetonas", "emergency"),
    ("mi nena tá durmiendo y no se levanta", "emergency"),
    ("el nene ta dormido y no lo puedo levantar pa darle jugo", "emergency"),
    ("tamo en la emergencia con el nene", "emergency"),
    ("la nena ta bien, ta en 110", "none"),
    ("el nene come bien", "none"),
]


@pytest.mark.parametrize("text", SPAN_LOWS)
def test_lows_over_a_stretch_of_time_are_frequent_lows(text):
    a = assess(text, language="es")
    assert a.level == "clinic", (a.reason_keys, sorted(a.signals))
    assert "frequent_lows" in a.reason_keys
    _spanish_reasons(a)


@pytest.mark.parametrize("text", SPAN_CALM)
def test_a_stretch_of_time_in_range_or_not_a_reading_stays_calm(text):
    a = assess(text, language="es")
    assert a.level == "none", (a.reason_keys, sorted(a.signals))


@pytest.mark.parametrize("text", CANNOT_GET_UP)
def test_a_sleeping_child_nobody_can_get_up_is_unresponsive(text):
    a = assess(text, language="es")
    assert a.level == "emergency", (a.reason_keys, sorted(a.signals))
    assert a.reason_keys[0] == "unresponsive"


@pytest.mark.parametrize("text", GET_UP_CALM)
def test_not_getting_up_for_school_or_too_heavy_stays_calm(text):
    a = assess(text, language="es")
    assert a.level == "none", (a.reason_keys, sorted(a.signals))


@pytest.mark.parametrize("text, level", CARIBBEAN)
def test_caribbean_forms(text, level):
    assert assess(text, language="es").level == level


@pytest.mark.parametrize(
    "spanish, english",
    [
        (
            "los ultimos dias ha estado por debajo de 70 casi todas las noches",
            "the last few days he's been under 70 almost every night",
        ),
        ("no hay forma de levantarlo", "i can't get him up"),
        ("ta durmiendo y no la puedo levantar", "she's asleep and i can't get her up"),
    ],
)
def test_spans_and_getting_up_agree_with_english(spanish, english):
    es, en = assess(spanish, language="es"), assess(english, language="en")
    assert es.level == en.level, (es.reason_keys, en.reason_keys)
    assert es.reason_keys[:1] == en.reason_keys[:1]


def test_span_and_get_up_cases_are_new():
    new = SPAN_LOWS + SPAN_CALM + CANNOT_GET_UP + GET_UP_CALM + [t for t, _ in CARIBBEAN]
    old = EMERGENCY + CLINIC + NONE + [t for _, ts in GAP_CASES.values() for t in ts]
    old += [t for ts in GAP_CALM.values() for t in ts]
    assert len(new) == len(set(new)), "duplicate case"
    assert not set(new) & set(old)


@pytest.mark.parametrize(
    "text,level",
    [
        ("esta en 28 y no habla, ayuda", "emergency"),  # a number without unit: very low or very high
        ("he is at 28 and not talking", "emergency"),
        ("he won't talk to me since yesterday", "none"),
        ("se le trabo la mandibula y se esta sacudiendo", "emergency"),
        ("mi prima no responde y su dexcom dice 35", "emergency"),  # a cousin in the writer's care
        ("my cousin won't wake up and her libre says 38", "emergency"),
        ("mi primo tuvo una convulsion el ano pasado", "none"),
    ],
)
def test_speech_lost_stiff_jaw_and_cousins(text, level):
    assert assess(text, language="es").level == level


@pytest.mark.parametrize(
    "text,level",
    [
        ("my brother says hi to everyone", "none"),  # a greeting, not a meter HI
        ("ok gracias, mi abuela dice hi", "none"),
        ("the meter says HI", "clinic"),
        ("el glucometro dice HI", "clinic"),
        ("le di su insulina y su papa tambien se la puso", "clinic"),  # the same dose twice
        ("le puse la insulina del desayuno y mi esposo tmb se la dio", "clinic"),
        ("vomito una vez hace un rato y esta en 160", "clinic"),  # a while ago is today
        ("se desmayo una vez hace 3 anos", "none"),
    ],
)
def test_greetings_doses_given_twice_and_a_while_ago(text, level):
    assert assess(text, language="es").level == level


@pytest.mark.parametrize(
    "text, level",
    [
        # Spanish twins of round 12-14 English concepts
        ("esta temblando 55", "clinic"),  # a sign and then the number ("shaky 55")
        ("la canula esta afuera y tiene 300", "clinic"),  # the cannula is out
        ("vamos a emergencias o les llamo primero?", "none"),  # asking where to go is no sign
        ("no despierta, vamos a emergencias o les llamo?", "emergency"),  # what is told with it decides
    ],
)
def test_spanish_twins_of_the_english_round_12_to_14_concepts(text, level):
    assert assess(text).level == level


@pytest.mark.parametrize(
    "turns, level",
    [
        # Spanish twins of the concepts of rounds 15-20 (English: test_escalation_concepts).
        (["una duda del glucagon", "ya tuvimos que ponerselo"], "emergency"),
        (["sacamos el glucagon porque no quiere comer, se lo ponemos?"], "emergency"),
        (["cuando le ponemos el glucagon?"], "none"),
        (["tenemos el glucagon en la mochila pero nunca lo hemos usado"], "none"),
        (["glucosa 22 y no quiere tomar su jugo"], "emergency"),
        (["tiene 50 y no me puede decir su nombre"], "emergency"),
        (["la proporcion de carbohidratos esta muy debil, como la cambio"], "none"),
        (["son mas comunes las cetonas con la bomba?"], "none"),
        (["anda bajando a 60 casi todas las mananas"], "clinic"),
        # Una pregunta y luego el niño ahora, tras una coma.
        (["cuando hay que llamarles, tiene 43"], "clinic"),
        (["como se trata un bajo, anda en 48 y sudando"], "clinic"),
        # "si" may be "sí" (yes) without its accent: a plain "si vomita" stays a concern.
        (["si vomita y tiene cetonas les llamamos o vamos al 911?"], "clinic"),
        (["esta convulsionando", "ya se le esta calmando"], "emergency"),
        (["le puse su bolo y la abuela tambien se lo puso"], "clinic"),
        (["en que situaciones hay que llamar al 911?"], "none"),
        (["cuando debemos llamar, tiene 41 y no despierta"], "emergency"),
        (["nadie lo pudo despertar de la siesta, tiene 43"], "emergency"),
        (["le pusimos el glucagon", "ya desperto"], "emergency"),
        (["la ultima vez que tuvo 310 les llamamos, gracias por todo"], "none"),
        (["hace casi un ano se desmayo por un bajon, ya esta bien"], "none"),
        (["hace como media hora se desmayo"], "emergency"),
        (["le di su insulina del almuerzo y su papa le puso otra vez"], "clinic"),
        # Ronda 21.
        (["le inyecte la pluma de su hermana por error"], "clinic"),  # the dose of a sibling
        (["la insulina que le puse era la de su primo"], "clinic"),
        (["el dia que tenga un bajon fuerte que hacemos"], "none"),  # a future day
        (["alguna vez le subio a 350 pero fue hace mucho"], "none"),
        (["a la hija de mi comadre le dio cetoacidosis, le puede pasar a mi hija?"], "none"),
        (["que tan bajo es demasiado para llamarles"], "none"),
        (["les llamo cuando anda en 250 varios dias?"], "none"),
        (["si vomita les llamamos?"], "clinic"),  # "si" may be "sí": stays a concern
        (["la cinta se le cae con la alberca, como la sujeto"], "none"),
        (["se le cayo el sitio hace rato y tiene 300"], "clinic"),
        (["esta en 48 y no se a que hora comio"], "clinic"),  # not knowing is no refusal
        (["esta en 48 y no quiere comer"], "emergency"),
        # Ronda 22.
        (["cuanto le bolus para 320"], "clinic"),  # a dose for a number
        (["le medimos como 6 lecturas al dia"], "none"),  # a count of readings
        # Ronda 23.
        (["tuvo diarrea la semana pasada pero ya se alivio"], "none"),  # recent past and resolved
        (["desde la mañana ha estado arriba de 280"], "clinic"),  # "ha estado" links a reading
        (["ha estado en 52"], "clinic"),
        # Ronda 25.
        (["glucosa 400 y respira con dificultad"], "emergency"),  # breathing trouble with a high
        (["anda en 310, cuanto le pongo de insulina"], "clinic"),  # a dose for a number now
        (["cuanto le pongo de correccion si algun dia llega a 300"], "none"),  # a plan
        (["le pusimos glucagon hace como 2 anos, nunca mas"], "none"),
        (["tuvo un bajon la semana pasada pero ya lo hablamos con la doctora"], "none"),
        # Ronda 26.
        (["mi hermana tiene la glucosa en 49 y no sabe donde esta"], "emergency"),  # a sibling is a patient
        (["mi hermano tiene 13 anos y tiene gripa"], "none"),
        (["el glucometro marca HI"], "clinic"),
        (["HI en el medidor"], "clinic"),
        (["la cita es el 12 a las 9 verdad"], "none"),  # a date with a time
        # Ronda 27 (after the last fresh sets).
        (["le di su insulina del almuerzo y la maestra ya se la habia dado"], "clinic"),  # the same dose twice
        (["ya se habia puesto el sensor nuevo"], "none"),
    ],
)
def test_spanish_concepts_of_rounds_15_to_27(turns, level):
    assert assess_turns(turns[-1], turns[:-1], language="es").level == level
