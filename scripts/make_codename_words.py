"""Generate the codename word list once: 2,048 common, short, harmless Russian words, no two
of which one typo could confuse. The output is committed; nothing runs this at run time.

Needs wordfreq (word frequencies; data CC BY-SA 4.0) and pymorphy3 with pymorphy3-dicts-ru
(OpenCorpora's dictionary, to keep dictionary forms of nouns and adjectives only). Neither
is a Corridor dependency: install them in a throwaway virtual environment outside the
repository and run this script with it:

    python3.11 -m venv /tmp/wordlist-venv
    /tmp/wordlist-venv/bin/pip install wordfreq==3.1.1 pymorphy3==2.0.6 \
        pymorphy3-dicts-ru==2.4.417150.4580142
    /tmp/wordlist-venv/bin/python scripts/make_codename_words.py \
        > src/corridor/intake/data/codename_words_ru.txt

How a word gets in, in the order the rules run:
1. It is among wordfreq's Russian words with a Zipf frequency of at least MIN_ZIPF (one
   use in four million words or more), 3 to 8 letters, Cyrillic only, no hard sign, no
   "э" after the first letter (loanwords spelt two ways).
2. OpenCorpora's dictionary knows it (no guesses from the ending: foreign names, brands,
   typos) and pymorphy3 reads it, most likely, as the dictionary form (nominative
   singular) of an inanimate noun or of an adjective, with no other part of speech
   likely; a word that is also a name, a place, an abbreviation, slang, archaic or
   informal in any reading is out. Animate nouns are mostly words for people (family,
   partners, professions): only the animals in ANIMALS are kept.
3. It is not in BLOCKED, starts with none of BLOCKED_STEMS and ends in none of
   BLOCKED_ENDINGS: words a person hiding from
   the police should not be made to write down or say (violence, prison, police and the
   state, war, religion, nations, politics, sex, the body, illness, drugs, money, escape
   and travel documents, insults, brands), and words with a second meaning in Russian
   slang about gay men.
4. Taking words from the most frequent down, a word is kept only if no string is one edit
   (a letter added, dropped, changed, or two neighbours swapped) away from both it and a
   word already kept. So one typo in a word is always corrected to the one right word.
The first 2,048 words kept are written out, sorted, one per line, with ё written as е.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator

import pymorphy3
import wordfreq

WANTED = 2048
MIN_ZIPF = 2.4
ALPHABET = "абвгдежзийклмнопрстуфхцчшщъыьэюя"
SHAPE = re.compile(r"[а-яё]{3,8}")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


EXCLUDED_GRAMMEMES = frozenset(
    {
        "Name", "Surn", "Patr", "Geox", "Orgn", "Trad", "Abbr", "Infr", "Slng", "Arch",
        "Litr", "Erro", "Dist", "Fixd", "Pltm", "Init", "Apro", "Ques", "Prnt",
    }
)  # fmt: skip
ANIMALS = frozenset(
    _words(
        """
    кот кошка собака птица рыба волк медведь конь зверь змея тигр орел кролик корова слон
    лиса заяц олень бабочка обезьяна черепаха утка акула гусь лебедь щенок лось сова
    воробей пчела ласточка дельфин жук пингвин жираф зебра енот ежик крокодил лягушка
    аист хомяк краб белка попугай котенок лошадь бобер барсук верблюд кенгуру коала панда
    леопард муравей пантера ягуар тюлень морж выдра цапля журавль фазан окунь щука карась
    лещ сом дятел синица снегирь соловей чайка скворец пеликан бегемот носорог
    """
    )
)
BLOCKED_STEMS = tuple(
    _words(
        """
    убий убив убит смерт мертв труп гроб могил кладбищ похорон казн расстрел пыт насил
    войн воен оруж пистолет автомат ружь пул снаряд бомб взрыв выстрел стрел ракет танк
    армия солдат бой битв сраж атак штурм оборон фронт плен террор бандит банд крим
    преступ вор краж граб тюрьм тюрем зон лагер срок арест задерж допрос обыск суд прокур
    следств следоват адвокат приговор закон полиц полицей милиц мент омон фсб кгб спецслуж
    разведк шпион агент охран конвой надзир донос власт государ правительств президент
    министр депутат парти выбор голосов митинг протест револю оппозиц режим санкц кремл
    царь корол импер флаг гимн герб родин патриот нацио народ союз совет коммун социал
    либерал демократ политик полит церк храм бог божеств религ молитв свят грех ислам
    мечет христ крест библ икон ангел дьявол черт демон ад рай душ
    секс эрот порн любов любим поцел гей лесб гомо трансг бисекс ориентац радуг радуж
    голуб розов пидор педик петух козел шлюх проститу бордел член грудь попа жоп задниц
    тело кожа кровь рана ран боль болезн болен вирус спид вич рак опухол инфекц травм
    диагноз врач больниц госпитал лекарств таблет аптек наркот героин кокаин травк
    алкогол водк пьян пиво вино табак сигарет кури
    паспорт виза визов документ границ таможн побег бегств беж убежищ эмигр мигра депорт
    деньг долг кредит банк рубл доллар евро налог взятк коррупц штраф
    ненавист страх ужас горе беда тревог паник отчая слез плач тоск одиноч позор стыд
    унижен жертв угроз опасн дурак идиот урод сволоч тварь дерьм гадк мерз
    русск россий украин чечен кавказ грузин армян еврей немец немецк америк англий
    француз китай япон польск москов киевск крымск сибир московск европ азиат араб
    ислам муслим мусор
    """
    )
)
# Adjectives of places and peoples ("московский", "донецкий") are political on a phone
# that police may read; the rest of "-ский" goes with them, there are enough words left.
BLOCKED_ENDINGS = ("ский", "цкий")
BLOCKED = frozenset(
    _words(
        """
    анус быдло вибратор выкидыш говно нахрен нифига оргазм отсос хуесос хреновый стриптиз
    стрип сортир суицид свастика фашизм фетиш интимный экстаз соблазн нелюбовь бабий
    братва чернь нечисть убогий наглый подлость хамство ругань трусость
    сифилис диарея герпес гепатит инсульт инфаркт малярия холера бронхит гастрит изжога
    насморк паралич склероз психоз невроз паранойя наркоз геморрой эпидемия кишечник
    кишка живот желудок челюсть сустав туловище мышца артерия анатомия психика припадок
    конопля гашиш самогон портвейн коньяк текила перекур курение никотин табачный
    избиение разбой побоище мятеж мятежный кровавый трибунал каторга генштаб спецназ
    десант дивизия гарнизон батальон блокпост авиаудар авиабаза винтовка дробовик
    браунинг пехота пехотный эсминец торпеда подлодка линкор томагавк патрон патруль
    плацдарм эскадра форпост застава кортеж калибр клинок приклад пушечный натиск
    разгром расправа подкуп подстава клевета взлом перехват отстрел убойный ядерный
    исповедь распятие молебен псалом талмуд крещение часовня купель панихида траур
    траурный эпитафия реквием гибель алтарь троица буддизм атеизм дзен нирвана карма
    лубянка мавзолей рейхстаг халифат кабмин горсовет исполком избирком комсомол меджлис
    госдолг госбанк нацбанк дефолт инфляция аннексия амнистия триколор держава губерния
    монархия колхоз марксизм феминизм радикал присяга юстиция цензура диаспора
    женатый женитьба свадьба помолвка девичник венчание приданое
    аэрофлот байконур боинг кадиллак ниссан тойота тинькофф старбакс рамблер росатом
    гринпис моторс хогвартс пандора титаник тарзан солярис кинотавр турандот элизиум
    хаббл гарфилд левада брикс вайоминг иллинойс луизиана москвич славянка казачий
    сбербанк мерседес зенит майдан газпром яндекс гугл айфон ютуб твиттер фейсбук
    инстаграм альфа веб интернет телефон смартфон мобильный адрес номер фамилия
    изабелла амелия надин юлиус кларенс камерон ламберт линкольн митчелла геллер деррик
    белоус хоппер ньютон филипс макрон стоун пейс пойнт поул кэмп роспуск пальмира
    эрмитаж уимблдон приморье сьерра скопье мордва татарка амазонка розетта кишлак
    вермахт виселица клитор инцест расизм шовинизм миномет некроз цирроз менингит ангина
    аритмия артрит атрофия биопсия гангрена гематома желтуха тромб удушье морфин катетер
    инсулин антиген токсин тампон пандемия наркомат казарма канонада блицкриг самиздат
    синагога псалтирь догмат анархизм нигилизм кольчуга дубинка вылазка поимка погоня
    отродье падаль помойка пошлость пощечина чокнутый сопливый паразит мутант оскал
    скорбный зловещий заклятие животик гортань рубец мускул рыльце халява дрянь паршивый
    гнилой гнойный пустышка тупость обойма гарпун эскадрон растрата откуп промзона
    изолятор изоляция позывной пикет лозунг манифест профсоюз коалиция доминион ханство
    царев царствие рубикон хартия мандат нефрит безумие безумный бессилие неудача кошмар
    трагедия чучело суррогат вендетта криминал инквизиция бардак барахло небритый
    абсцесс амнезия анафема атропин блиндаж боезапас гарем гипоксия глаукома жратва
    катафалк ленинизм нацизм отребье подагра пойло рамадан хиджаб тесак прострел смута
    сходка конклав первомай госплан отчизна акафист братия латекс обманка тральщик
    пивко нарезной локатор федин темпл оболонь милль вазелин кувалда угасание ноздря
    дерматит садизм надрез естество смуглый шандор голгофа зловоние агрессия мышьяк
    астма аллергия вывих волокита боевик блокада бастион болевой брюшной горбатый
    дружина дряхлый глупый зоря злато камуфляж конфликт конница курултай лезвие лютый
    мишень насмешка девичий ипостась культ корсет маникюр ошейник орган орудие осколок
    отсталый полигон пусковой подполье рожон разборка рецидив рикошет сборище свобода
    синдикат синяк скрытный спасение секрет тайна потайной униформа фуражка фанатизм
    ядовитый удар тыл хлыст холостой черепной сенат серьга порошок препарат потеря
    прощание проверка явка ночевка ночлег взятие испуг артроз броневик вздутие кончина
    минарет паства пагода петарда псориаз секреция скальп скелет фаллос фугас цианид штык
    шухер язва юбка туфелька будуар злостный лачуга указ таймс айван брюшко кулич
    бездарь зарубина кукиш нойз совмин тропарь тюрбан трагизм прорва лживость
    """
    )
)


def ball(word: str) -> set[str]:
    """Every string at most one edit from `word` (the typos it must survive)."""
    near = {word}
    for i in range(len(word)):
        near.add(word[:i] + word[i + 1 :])
        near.update(word[:i] + letter + word[i + 1 :] for letter in ALPHABET)
    for i in range(len(word) + 1):
        near.update(word[:i] + letter + word[i:] for letter in ALPHABET)
    for i in range(len(word) - 1):
        near.add(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
    return near


def candidates(morph: pymorphy3.MorphAnalyzer) -> Iterator[str]:
    """Dictionary-form nouns, adjectives and animals, most frequent first."""
    seen: set[str] = set()
    for text in wordfreq.top_n_list("ru", 200_000):
        if wordfreq.zipf_frequency(text, "ru") < MIN_ZIPF:
            return
        word = text.replace("ё", "е")
        if not SHAPE.fullmatch(text) or "ъ" in word or word in seen:
            continue
        seen.add(word)
        if word in BLOCKED or word.startswith(BLOCKED_STEMS) or word.endswith(BLOCKED_ENDINGS):
            continue
        if word in ANIMALS or _is_plain_lemma(morph, text, word):
            yield word


def _is_plain_lemma(morph: pymorphy3.MorphAnalyzer, text: str, word: str) -> bool:
    if "э" in word[1:]:
        return False  # loanwords spelt two ways ("флэш", "флеш")
    if not morph.word_is_known(text):
        return False  # a guess from the word's ending: foreign names, typos, brands
    parses = morph.parse(text)
    best = parses[0]
    tag = best.tag
    if best.normal_form.replace("ё", "е") != word:
        return False
    if any(EXCLUDED_GRAMMEMES & set(parse.tag.grammemes) for parse in parses):
        return False  # also a name, a place or slang in some reading
    noun = tag.POS == "NOUN" and {"inan", "sing", "nomn"} <= set(tag.grammemes)
    adjective = tag.POS == "ADJF" and {"masc", "sing", "nomn"} <= set(tag.grammemes)
    if not (noun or adjective):
        return False
    # "Likely to be read as something else" makes a word ambiguous to write down.
    return not any(p.tag.POS != tag.POS and p.score > 0.1 for p in parses)


def spread_apart(words: Iterable[str], wanted: int) -> list[str]:
    """The first `wanted` words whose one-typo neighbourhoods do not overlap."""
    covered: set[str] = set()
    kept: list[str] = []
    for word in words:
        near = ball(word)
        if near & covered:
            continue
        covered |= near
        kept.append(word)
        if len(kept) == wanted:
            return kept
    raise SystemExit(f"only {len(kept)} words qualify; lower MIN_ZIPF or review the blocklist")


def main() -> None:
    morph = pymorphy3.MorphAnalyzer()
    words = spread_apart(candidates(morph), WANTED)
    sys.stdout.write("".join(f"{word}\n" for word in sorted(words)))


if __name__ == "__main__":
    main()
