"""Concepts of rounds 28-53 (tests/escalation/blind/README.md), in this file's own words.

Twelve of the round-29 cases fail with the lexicons of commit 8651090, and the round-30
cases marked so with those of ff491ae (checked); the others
guard the reach of the new patterns (a request with no concern before it, a call
that is planned, "once" meaning "when"). The blind batches measure the rest.
"""

import pytest

from bot.core.escalation import assess, assess_turns


@pytest.mark.parametrize(
    "earlier, text",
    [
        (["the site came out at practice"], "please phone me"),
        (["she vomited twice"], "could someone ring us"),
        (["his pump says occlusion"], "have the nurse phone me asap"),
        (["se le salió el catéter"], "me pueden llamar porfa"),
    ],
)
def test_a_request_to_be_called_after_a_concern_gets_the_concern_again(earlier, text):
    assert assess_turns(text, earlier).level == "clinic"


@pytest.mark.parametrize(
    "earlier, text",
    [
        ([], "please phone me"),  # no concern before: nothing to repeat
        (["what is the saline week"], "could someone ring us"),
        (["she vomited twice"], "ok thanks, when will the trainer ring us"),  # a call planned, asked about
    ],
)
def test_a_request_to_be_called_alone_is_no_concern(earlier, text):
    assert assess_turns(text, earlier).level == "none"


@pytest.mark.parametrize(
    "text, level",
    [
        # The result told later in the sentence, of the ketones just named.
        ("tested ketones before bed and they came back negative, bg 150", "none"),
        ("did urine ketones and the result was negative", "none"),
        # Negative earlier, positive now: the pronoun carries the ketones past the negation.
        ("ketones were negative at lunch but now they are moderate", "clinic"),
        ("no ketones this morning but tonight they are small", "clinic"),
        ("ketones were negative this morning, now she is throwing up and they are large", "emergency"),
    ],
)
def test_ketones_told_negative_or_positive_later_in_the_sentence(text, level):
    assert assess(text).level == level


@pytest.mark.parametrize(
    "text, level",
    [
        ("grandpa writing, i had a seizure once back in 1998, unrelated, just curious about the pump", "none"),
        ("he had a seizure once years ago at camp, how do pumps handle that", "none"),
        ("his bg is back in the 50s and hes sweaty", "clinic"),
        ("she had a seizure once we got home from school", "emergency"),
    ],
)
def test_once_long_ago_is_history_and_once_as_when_is_not(text, level):
    assert assess(text).level == level


@pytest.mark.parametrize(
    "text",
    [
        "how do you deal with highs, the tubing is kinked and shes 350",
        "how do you fix highs when the site fails and hes 400 right now",
        "como se bajan los azucares altos, la bomba falla y tiene 390",
    ],
)
def test_a_reading_told_now_after_a_how_to_question_escalates(text):
    assert assess(text).level == "clinic"


@pytest.mark.parametrize(
    "text",
    [
        "como se corrigen las subidas cuando falla la bomba? para estar preparados",
        "is it ok to take the pump off for an hour at the pool",
        "how long is the waiting list to get into the pump clinic",
        "she is already doing 8 fingersticks a day, will that change on the pump",
        "en la clase practicamos con un glucagon de demostracion",
        "vomito hace unos dias por un virus, ya esta recuperada y hoy anda en 110",
        "no le entiendo lo que dice la pantalla de la bomba",
    ],
)
def test_questions_practice_and_the_past_are_benign(text):
    assert assess(text).level == "none"


@pytest.mark.parametrize(
    "text, level",
    [
        ("tiene 42 y no se le entiende lo que dice", "emergency"),
        ("no le entendemos nada de lo que habla y el azucar esta en 38", "emergency"),
        ("dad already gave her dinner bolus and i did one too", "clinic"),
        ("my toddler got into the insulin vials", "clinic"),
    ],
)
def test_what_still_escalates(text, level):
    assert assess(text).level == level


# --- round 30: a floor the sugar stays over --------------------------------------------


@pytest.mark.parametrize(
    "text, level",
    [
        ("bg wont go under 300 even with a fresh site", "clinic"),  # failed before
        ("his sugar never drops below 320 this week", "clinic"),  # failed before
        ("no le baja de 310 aunque le cambiamos el sitio", "clinic"),
        ("she is not below 70, she is 95", "none"),
        ("she is under 65 and sweaty", "clinic"),
    ],
)
def test_a_floor_the_sugar_stays_over_is_a_high(text, level):
    assert assess(text).level == level


# --- rounds 30 to 33 --------------------------------------------------------------------
# One table: a case with no earlier turn reads as assess() of the message alone.


@pytest.mark.parametrize(
    "earlier, text, level",
    [
        # round 30
        ([], "her a1c keeps going up and down, we are thinking about the pump", "none"),  # failed before
        ([], "his bgs go up and down all day since the site change", "clinic"),
        ([], "if he keeps running high for a few weeks is that worth a call", "none"),  # failed before
        ([], "if she keeps going low like this all night what do we do", "clinic"),
        ([], "how long is the pump warranty if it stops working", "none"),  # failed before
        # "year two": no reading
        ([], "is there a warranty on the pump if it breaks in year two", "none"),  # failed before
        ([], "the pump broke, does the warranty cover it? he is 330", "clinic"),
        ([], "le salieron cetonas altas pero ya esta bien", "clinic"),  # failed before
        ([], "le hicimos la prueba de cetonas y salio negativa", "none"),
        # round 31
        ([], "her words are slurry and the libre says 52", "emergency"),  # failed before
        ([], "g7 reads HIGH with two arrows up", "clinic"),  # failed before
        (["oops"], "we did two boluses for one lunch", "clinic"),  # failed before
        ([], "numbers great since the settings change, thanks for all the help", "none"),
        ([], "before dx she threw up a lot, that was in the spring", "none"),  # failed before
        ([], "is 110 fine before bed? he is not high or anything", "none"),
        ([], "si un dia se le cae el cateter y sube a 320, a quien le hablo?", "none"),  # failed before
        ([], "thanks, help! he is 48 and shaking", "clinic"),
        ([], "he wont eat or drink anything and he is 52", "emergency"),
        # round 32
        (["he vomited after lunch"], "just the one time, bg 205", "clinic"),  # failed before
        (["vomito en la escuela"], "una sola vez, esta en 190", "clinic"),  # failed before
        (["he vomited after lunch"], "ok he kept juice down, 130 now, thanks", "none"),
        (["ketones?"], "checked them, negative, bg 140", "none"),
        ([], "no la podemos despertar para ir a la escuela", "emergency"),  # failed before
        ([], "no se quiere levantar para la escuela, es flojo", "none"),
        ([], "respira rapido y el azucar en HI", "emergency"),  # failed before
        ([], "quiere la bomba para no tener que picarse tanto", "none"),
        ([], "estoy leyendo sobre la hipoglucemia antes de empezar", "none"),  # failed before
        # round 33
        ([], "my big sis is 38 and talking nonsense", "emergency"),  # failed before
        ([], "please help 2.9", "clinic"),  # failed before
        ([], "sudoroso, 3.2", "clinic"),
        ([], "su glucosa sube y sube desde la cena", "clinic"),  # failed before
        ([], "que numero se considera alto, mas de 250?", "none"),  # failed before
        ([], "my brother is 12 and wants a pump too", "none"),
        # round 34
        (["my sister has diabetes"], "she is lying on the ground, her eyes stay shut", "none"),
        # failed before:
        (["my sister has diabetes"], "she is down on the ground and will not open her eyes", "emergency"),
        ([], "ok Emma is 290", "clinic"),  # failed before
        ([], "Emma is 9 and just started", "none"),
        ([], "the tslim shows no insulin and she is 180", "clinic"),  # failed before
        ([], "tested ketones to be safe, negative", "none"),  # failed before
        ([], "i injected her lunch dose with a pen and the pump bolused too", "clinic"),  # failed before
        ([], "in saline week he gets shots and we bolus saline on the pump to practice", "none"),
        ([], "le pusimos una inyeccion y ademas un bolo con la bomba", "clinic"),  # failed before
        ([], "se le salio el site jugando futbol", "clinic"),  # failed before
        ([], "que se considera una baja, por debajo de 60?", "none"),  # failed before
        ([], "cual se considera hipoglucemia, abajo de 65?", "none"),  # failed before
        # round 35
        ([], "my dad never stops talking about pumps, what is the saline week", "none"),  # failed before
        ([], "she is 48 and stopped talking", "emergency"),
        # round 36
        ([], "did i give her too much? 6u for a tiny snack", "clinic"),  # failed before
        ([], "i counted his carbs totally wrong at lunch and bolused for all of it", "clinic"),  # failed before
        ([], "we gave too much juice for his low, he is 190 now", "none"),
        ([], "is there a way to quiet the pump at night so it doesnt wake everyone up", "none"),  # failed before
        ([], "i can not wake the baby, she is 45", "emergency"),
        ([], "my brother has diabetes and we cant wake him", "emergency"),
        ([], "the pump manual confused us, what is a bolus", "none"),  # failed before
        ([], "do we have to call for each low or only when they keep coming", "none"),  # failed before
        ([], "si se llega a desmayar en la escuela algun dia, a quien llamo?", "none"),  # failed before
        ([], "she sweats a lot at soccer, will the tape hold", "none"),  # failed before
        # round 37
        ([], "libre 41 and he is saying things that make no sense", "emergency"),  # failed before
        ([], "the libre graph makes no sense to me, he is 130", "none"),
        ([], "her dad did a pen shot and then i bolused with the pump too", "clinic"),  # failed before
        ([], "g7 HIGH", "clinic"),  # failed before
        ([], "is the g7 high alert adjustable", "none"),
        (["the site is leaking"], "what should we do", "clinic"),  # failed before
        (["i did his breakfast bolus"], "and then his mom gave him another one", "clinic"),  # failed before
        (["vomited twice today"], "bg 180 and ketones negative", "clinic"),  # failed before
        (["ketones?"], "checked, negative", "none"),
        ([], "how many highs over 300 before we should call", "none"),  # failed before
        ([], "should i change his carb ratio? nothing urgent", "none"),  # failed before
        ([], "we want a pump break for summer camp", "none"),  # failed before
        (["le salieron cetonas moderadas"], "que hago", "clinic"),
        # round 38
        ([], "the pump glitched during lunch", "clinic"),  # failed before
        ([], "her tslim bolused it twice by itself", "clinic"),
        ([], "he got an extra 4 units at dinner", "clinic"),  # failed before
        ([], "we gave an extra 2 units for the birthday cake", "none"),
        ([], "la alarma no para y la bomba dice no delivery", "clinic"),  # failed before
        ([], "she sweats so much the tape peels off, any tips", "none"),  # failed before
        ([], "does the pump keep giving insulin when he sleeps", "none"),
        (["how is it attached"], "does it keep giving insulin overnight too", "none"),
        # round 39
        ([], "he spits out the glucose gel, 46 and crying", "emergency"),
        ([], "she wont eat the tabs, 49 and keeps crying", "emergency"),  # failed before
        ([], "bought 2 boxes, 50 and 100 count", "none"),
        ([], "gave novolog for dinner and he didnt eat", "clinic"),  # failed before
        ([], "we meant to give 3 units but dialed 6", "clinic"),
        ([], "poked his finger, 61", "clinic"),
        (["checked his finger"], "63", "clinic"),  # failed before
        ([], "the libre 3 arrived, 14 day wear right?", "none"),  # failed before
        ([], "esta bien dormida con 41 y no reacciona", "emergency"),
        ([], "anda muy dormido con 43", "emergency"),  # failed before
        ([], "se tapo el cateter otra vez", "clinic"),  # failed before
        ([], "le irrita la piel el tape del set, q hacemos", "none"),
        # round 40 (after the last fresh sets; no fresh set measured it)
        ([], "i bolused for her cereal and then her dad bolused again", "clinic"),  # failed before
        ([], "she hits 65 most afternoons", "clinic"),  # failed before
        ([], "if he hits 300 should we call", "none"),
        ([], "la bomba se mojo y ya no prende", "clinic"),  # failed before
        ([], "la bomba ya no la usamos porque el sensor ya no funciona", "none"),
        # round 41 (after the last fresh sets; no fresh set measured it)
        ([], "idk whats up he keeps mumbling and hes 49", "emergency"),  # failed before
        ([], "dunno whats going on she is mumbling and only 47", "emergency"),  # failed before
        ([], "idk whats a normal number for a toddler", "none"),
        ([], "we have 3 kids and only 2 pumps", "none"),
        ([], "i gave him my pen instead of his", "clinic"),  # failed before
        ([], "whats the dose for 310", "clinic"),
        ([], "he is jerking and shaking in his bed", "emergency"),
        ([], "can i use my pen needles for him", "none"),
        # round 42: Spanish twins of rounds 34-41 (before any fresh set)
        ([], "tiene 58 y lo que dice no tiene sentido", "emergency"),  # failed before
        ([], "esta en 50 y habla cosas que no tienen sentido", "emergency"),  # failed before
        ([], "lo que dice el folleto no tiene sentido", "none"),
        ([], "queria ponerle 3 unidades pero le puse 8", "clinic"),  # failed before
        ([], "en vez de 3 le puse 30", "clinic"),  # failed before
        ([], "le inyecte con mi pluma de insulina en vez de la suya", "clinic"),  # failed before
        ([], "le di mi pluma para que practique", "none"),
        ([], "conte mal los carbohidratos y le di mucho", "clinic"),  # failed before
        ([], "el dexcom marca ALTO", "clinic"),  # failed before
        ([], "la tabla no tiene sentido, esta en 150", "none"),
        # round 43 (from batch AN and Spanish set 38, run once on 9d1e75f)
        (["he got his bolus twice"], "it was by mistake, he looks ok for now", "clinic"),  # failed before
        (["le pusimos el bolo dos veces"], "fue sin querer, ahorita esta bien", "clinic"),  # failed before
        (["he got his bolus twice"], "ok we called the team, thanks", "none"),
        ([], "oops", "none"),
        ([], "no one here is low, just asking about the trainer visit", "none"),
        ([], "nobody in our house is low or sick, when is the saline week", "none"),  # failed before
        ([], "nobody can wake her up", "emergency"),
        ([], "nobody can get her to drink the juice, 47", "emergency"),  # failed before
        ([], "we cant understand what shes saying and her libre says 49", "emergency"),  # failed before
        ([], "i cant understand what the trainer says about basal", "none"),
        ([], "i cant make out the words on the pump screen", "none"),
        ([], "we forgot and didnt give her her lunch bolus", "clinic"),  # failed before
        ([], "we didnt give him his dinner bolus", "clinic"),  # failed before
        ([], "we didnt give insulin for the cheese snack is that ok", "none"),
        ([], "nadie puede hacer que tome jugo, esta en 46", "emergency"),  # failed before
        ([], "nadie le entiende lo que dice y tiene 44", "emergency"),  # failed before
        ([], "nadie le puso su insulina en la escuela", "clinic"),  # failed before
        ([], "nadie esta enfermo, solo pregunto por la cita", "none"),
        # round 45 (from batch AO and Spanish set 39, run once on 80c661c)
        ([], "3.0 mmol and she will not even open her mouth for juice", "emergency"),  # failed before
        (["should i bolus now"], "4 units for 290?", "clinic"),  # failed before
        (["what is the saline week"], "4 units for 290?", "none"),
        ([], "he was in the hospital with dka when diagnosed, he is 9 now and fine", "none"),  # failed before
        ([], "she is in the hospital with dka", "emergency"),
        ([], "se cayo la bomba a la tina y ahora no prende", "clinic"),  # failed before
        ([], "ahora no sirve el dexcom pero la bomba esta bien", "none"),
        # round 47 (from Spanish set 40 and understanding set 30, run once on fa0ebbf)
        ([], "anda gaspeando y tiene 480", "emergency"),  # failed before
        ([], "su abuela se desmayo en misa pero ella no tiene diabetes", "none"),  # failed before
        ([], "soy su abuela y se desmayo, tiene 40", "emergency"),
        ([], "her grandma fainted at church but she isnt diabetic", "none"),  # failed before
        ([], "im his grandpa and he fainted, 45", "emergency"),
        ([], "no le ha subido de 190 en toda la semana", "none"),  # failed before
        ([], "tiene 50 y no le sube", "clinic"),
        ([], "durante la semana de suero le tengo que seguir poniendo la insulina?", "none"),  # failed before
        ([], "can you tell me what a pump would do differently from shots", "none"),  # failed before
        ([], "can i give a bolus instead of a shot", "clinic"),
        # round 48 (from batch AQ and Spanish set 41, run once on 869dd1b)
        ([], "she keeps nodding off, groggy 2.7", "emergency"),  # failed before
        ([], "esta medio dormido 2.9", "emergency"),  # failed before
        ([], "he fell asleep 2 hours ago", "none"),
        ([], "mom did his breakfast bolus and i gave it again by mistake", "clinic"),
        ([], "dad gave his breakfast bolus and my wife did it again", "clinic"),
        ([], "esta en 2.9 mmol y no entiende lo que le pregunto", "emergency"),  # failed before
        ([], "no entiende lo que le digo sobre la bomba", "none"),
        ([], "she doesnt understand what we are asking, bg 47", "emergency"),  # failed before
        ([], "i dont understand what you are saying", "none"),
        ([], "le salio 380 el dexcom", "clinic"),  # failed before
        ([], "tiene 15 el mayor", "none"),
        ([], "la semana de suero todavia le tengo que poner la insulina con pluma?", "none"),  # failed before
        ([], "la semana que anda la bomba sin insulina como le ponemos la insulina", "none"),  # failed before
        ([], "esta semana la bomba se quedo sin insulina", "clinic"),
        ([], "we heard that pumps bring on dka sooner when a site fails, is it true", "none"),
        ([], "i read 45 on his meter", "clinic"),
        # round 49 (from batch AR, run once on c799370)
        ([], "i jabbed him with the glucagon, he was not answering", "emergency"),  # failed before
        ([], "le pique el glucagon en la pierna", "emergency"),  # failed before
        (["had to use the baqsimi"], "now what", "emergency"),  # failed before
        ([], "bolused for his snack twice, ugh", "clinic"),
        ([], "he gets bolused for lunch twice a week at school", "none"),  # failed before
        (["i think he got a double dose at dinner"], "he seems ok at the moment", "clinic"),  # failed before
        (["i think he got a double dose at dinner"], "we phoned the on call nurse, hes ok", "none"),
        (["ketones?"], "moderate", "clinic"),  # failed before
        (["ketones?"], "negative", "none"),
        # round 50 (from batch AS and Spanish set 43, run once on 3a48568)
        (["he is talking gibberish"], "tandem reads 40 w down arrows", "emergency"),  # failed before
        (
            [],
            "i puked twice today, i do not have diabetes, can her aunt come to training instead",
            "none",
        ),  # failed before
        ([], "she vomited all night, i dont have diabetes but she does", "clinic"),
        ([], "two weeks ago the pod fell off, we put a new one on and all good since", "none"),  # failed before
        ([], "hace unos dias se le salio el cateter, lo cambiamos y normal desde entonces", "none"),  # failed before
        ([], "last week the site came out and today it came out again", "clinic"),
        # round 51 (from batch AT and Spanish set 44, run once on df556fa)
        ([], "his eyes will not open even when we shake him", "emergency"),  # failed before
        ([], "my eyes wont open in the morning lol", "none"),
        ([], "our first pump stopped working so they sent a new one and it works fine", "none"),  # failed before
        ([], "the old pump broke and the new one hasnt come", "clinic"),
        ([], "se le rompio el tubito a la bomba", "clinic"),  # failed before
        ([], "been barfing since lunch, ketones moderate", "emergency"),  # failed before
        # round 52 (from batch AU and Spanish set 45, run once on a59be7d)
        ([], "de pronto se le fue el conocimiento en el patio", "emergency"),  # failed before
        ([], "creo que le puse mas insulina de la que tocaba", "clinic"),
        ([], "the pod fell in the tub and now it will not prime", "clinic"),
        ([], "i put tresiba in her pump cartridge by mistake", "clinic"),
        ([], "can we put lantus in the pump", "none"),
        # round 53 (from batch AV and Spanish set 46, run once on 2ecde25; no fresh set after it)
        ([], "my brother is passed out and his omnipod keeps beeping", "emergency"),  # failed before
        ([], "her sister threw up, her pump is fine", "none"),
        ([], "her cousin collapsed at church but he is not diabetic", "none"),  # failed before
        ([], "creo que se tapo la manguerita, la bomba suena y suena", "clinic"),
        ([], "se le quebro la pantalla a la bomba", "clinic"),  # failed before
        ([], "no se si esta dando insulina la bomba en la semana de suero", "none"),
    ],
)
def test_later_rounds_concepts(earlier, text, level):
    assert assess_turns(text, earlier).level == level
