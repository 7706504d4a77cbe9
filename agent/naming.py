"""How a question names things: the views it calls by name, and whether anything else is left.

A card's `[names]` ("heatmap", 「折れ線」) are looked for in the question as written, forgiving what learners
do to them: hiragana for katakana (「ひーとまっぷ」), one slipped key ("heatmpa"), a count inside the name
("all 12 heads"), 'head' in English inside Japanese. A name that was read as an argument (「トークン数を20に」)
names nothing. `bare` says whether a question is only a follow-up's choices ("now layer 0", 「ヘッド3は?」).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache

from agent.cards import Card
from agent.planner_reading import Reading
from agent.spelling import katakana

__all__ = ["bare", "longest_name", "named_as_the_form", "named_in", "named_views", "names_it", "only_named",
           "part_said"]

# the words of a bare follow-up ("now layer 0", "and what about head 3?"), which name no view
_LINKING_WORDS = frozenset("now what about and the of for with then also please same too again how in at to on ok okay "
                           "so just only exactly that this it one thing show me draw plot redraw redo do give let see "
                           "can could you i want would like pls happens if instead not but rather them these those "
                           "actually try back time chart graph figure view picture look looks is there way "
                           "possible sentence text prompt setting settings switch change two make open reopen "
                           "as normal regular plain usual ordinary simple hm hmm hmmm um umm uh ah oh well right "
                           "alright does hold holds apply applies still also true earlier try an said says swap "
                           "beginning ending wonder wondering curious have get start starts begin begins set "
                           "nice cool great thanks thank thx ty awesome perfect "  # (a nod before the request)
                           "fine sure yes yeah yep "
                           "sorry oops ugh wait no meant typo my bad mistake "  # (a correction: "sorry, layer 1 not 0")
                           "maybe perhaps possibly if bother mind kindly be anyway anyhow "  # ("maybe layer 1?")
                           "expression formula calculation computation "  # ("same expression on gemma")
                           "last lastly finally "  # ("thank you! last: the code for …")
                           "english japanese version translation translated original"  # ("english version '…'")
                           .split())
# ... and in Japanese: particles, pointing words and request verbs (「さっきの文で、1層目のヘッド3を描き直して」)
_LINKING_JA = re.compile(r"ありがと(?:う)?(?:ございます)?|いいね|なるほど"
                         r"|ごめん|すみません|間違えた|まちがえた|ちがう|違う|だったかも|だった|やっぱり|やっぱ|いや|ほう|の方|助かった|助かります|同じ図|次に"
                         r"|平均じゃなくて|平均ではなく|実際に|みせて|もう一度|もう一回"
                         r"|同じ設定|同じように|同じ傾向|プロンプト|に(?:変|替|切り替|切り換)えて|(?:変|替|切り替|切り換)えて|のやつ|やつ|最後に|最後の|それと|あと"
                         r"|どうなり(?:ます|ません)か|ですか|ますか|でしょうか|(?:ん|の)?でしょう|なんだろう|なのかな|だろう|かな"
                         r"|さらに|更に|さっきの|先ほどの|同じ|その|それ|この|これ|あの|あれ|文|次は|今度は|じゃあ|では"
                         r"|開くようにして|開いて|開く|まとめて|から|加えて|追加して|追加で|(?:3|三)つで|ふたつ|二つ|2つ|両方|同じもの|同じの|英語の|日本語の|英語版|日本語版|英訳|和訳|訳文|翻訳|英語|日本語|続けて|続いて|だけ|のみ|だったら|の場合|でやったら|でやると|にすると|にしたら|てみて|てみたら|したら|たら|みて|にして|描き直して|やり直して|やりなおして|描いて|見せて|見てみたい|見たい|指定して|指定で|表示して|出して|して|ください|下さい|ちょうだい|頂戴|ほしい|欲しい|もらえますか|もらえる|くれる|くれない"
                         r"|(?:お願い|おねがい)(?:します|いたします|致します)?"
                         # (a hedge: 「できたら最初の層で」「よければヘッド2も」)
                         r"|できたら|できれば|よければ|よかったら|可能なら|可能であれば|差し支えなければ|もし"
                         # (formal: 「恐れ入りますが、第10層でも拝見できますでしょうか」)
                         r"|恐れ入りますが|恐縮ですが|拝見(?:でき(?:ます|ません)?|したい(?:です)?)?|いただけ(?:ます|ません)?|頂け(?:ます|ません)?"
                         r"|じゃなくて|ではなくて|ではなく|じゃなく|どうなる|どう|だと|なら|って|ね|で|は|を|の|も|に|と|、|。")
# "same two tokens", "the same query and key": choices kept, which name nothing new
_SAME_CHOICES = re.compile(r"\bsame\s+(?:two\s+|both\s+)?(?:tokens|words|pair|query\s+and\s+key|settings?"
                           r"|layer\s+and\s+head|layer|head)\b")
_NUMBER_WORDS = "two|three|four|five|six|eight|nine|ten|twelve|sixteen|eighteen|thirty"  # "all twelve heads"
_HEAD_IN_JAPANESE = re.compile(r"(?<![a-z])heads?(?![a-z])")
_FOR_LATER = re.compile(r"[^。、,.!?！？\s]*(?:たいので|たいから|たいため(?:に)?|するために|させるために)"
                        r"(?=[、,\s。]|$)")
_ASKED_OF_THE_SHOWN = re.compile(r"\b(?:which|what)\s+(?:layer|head|model)\s+(?:was|is)\s+(?:that|this|it)\b"
                                 r"|(?:どの|何)(?:層|ヘッド|モデル)(?:だった|です|でした|なの|なん)")


def names_it(card: Card, reading: Reading) -> bool:
    """The question calls the card's view by one of its names (quoted sentences are not read); a card that
    reads no sentence is not named by a question that gives one ("Use the causal model for 'The dog barks'")."""
    if reading.sentences and "sentence" not in card.slots.values():
        return False
    text = katakana(f" {reading.plain} ")  # 「ひーとまっぷ」 names the heatmap as 「ヒートマップ」 does
    read_as_argument = katakana(f" {reading.rest} ") if len(reading.rest) == len(reading.plain) else text
    if reading.language == "ja":  # 「layer 5のheadを全部」: the English word for the katakana one, offsets kept
        text, read_as_argument = (_HEAD_IN_JAPANESE.sub(lambda m: "ヘッド".rjust(len(m[0])), t)
                                  for t in (text, read_as_argument))
    if isinstance(reading.mean_heads, str) and reading.mean_heads:  # "all heads averaged" names no grid of heads
        text = text.replace(katakana(reading.mean_heads), " " * len(reading.mean_heads))
    # "which layer was that? can i get layer 0 instead": a question of the figure shown names no view; nor does
    # the reason given for a model asked for (「あとで英語の文の続きを書かせたいので」 smollm2 を読み込んで)
    text, read_as_argument = (_ASKED_OF_THE_SHOWN.sub(lambda m: " " * len(m[0]), t) for t in (text, read_as_argument))
    for reason in _FOR_LATER.finditer(f" {reading.plain} ") if reading.models else ():  # (the offsets are kept)
        text, read_as_argument = (t[:reason.start()] + " " * len(reason[0]) + t[reason.end():]
                                  for t in (text, read_as_argument))
    words = set(re.findall(r"[a-z]{6,}", read_as_argument))  # (a word turned down names nothing, slipped or not)
    return any(_said(katakana(name), text, read_as_argument) for name in card.names) \
        or any(_one_slip(name, word) for name in card.names if name.isalpha() and len(name) >= 6 for word in words)


def named_views(every: list[Card], reading: Reading) -> list[Card]:
    """The cards the question names, less those whose every name said lies across a longer name of another card
    (「行列ごと折れ線」 names the matrix's lines, not also the one line of 「折れ線」; "the one-line-per-key chart"
    names the lines per key, not "the one line")."""
    text = katakana(f" {reading.plain} ")
    said = {card.tool: [found.span() for name in map(katakana, card.names)
                        for found in _name_pattern(name).finditer(text)]
            for card in every if names_it(card, reading)}

    def across_a_longer(span: tuple[int, int], tool: str) -> bool:
        return any(other != tool and start < span[1] and span[0] < end and end - start > span[1] - span[0]
                   for other, spans in said.items() for start, end in spans)

    return [card for card in every if card.tool in said
            and not (said[card.tool] and all(across_a_longer(span, card.tool) for span in said[card.tool]))]


def named_in(card: Card, text: str) -> bool:
    """One of the card's names is said in `text` (a piece of a question whose names were already read)."""
    return bool(_names_said(card, text))


_AS_EN = re.compile(r"\b(?:as|into|in)\s+(?:an?\s+|the\s+)?(?:\w+\s+)?$")
_AS_JA = re.compile(r"^\s*(?:で(?:見|描|出|表示|お願い|頼)|に(?:して|変え|し直|直し))")


def named_as_the_form(card: Card, reading: Reading) -> bool:
    """The card is named as the form to draw in ("the whole matrix like that as a heatmap", 「行列全体をヒートマップで
    見せて」), not as what to draw."""
    text = katakana(f" {reading.plain} ")
    return any(_AS_EN.search(text[:found.start()]) or _AS_JA.search(text[found.end():])
               for name in map(katakana, card.names) for found in _name_pattern(name).finditer(text))


def longest_name(card: Card, reading: Reading) -> int:
    """The length of the longest of the card's names the question says."""
    return max(map(len, _names_said(card, reading.plain)), default=0)


def part_said(card: Card, reading: Reading) -> bool:
    """One of the card's parts is said ("the line on the right", 「1本だけの方」), found the way its names are."""
    text = katakana(f" {reading.plain} ")
    return any(_name_pattern(part).search(text) for part in map(katakana, card.parts))


def _names_said(card: Card, text: str) -> list[str]:
    """The card's names said in `text`, in katakana."""
    spaced = katakana(f" {text} ")
    return [name for name in map(katakana, card.names) if _said(name, spaced, spaced)]


def _said(name: str, text: str, rest: str) -> bool:
    """The name is in the question and was not read as an argument (「トークン数を20に」 is a token count); a
    count may stand between its words ("all 12 heads")."""
    return any(rest[found.start():found.end()].strip() for found in _name_pattern(name).finditer(text))


@cache  # the cards' names are few and fixed; compiling one per question was most of the planner's time
def _name_pattern(name: str) -> re.Pattern[str]:
    """How a name is found in a question: a count may stand between its words, and an English name is a whole word
    ("compare" is not in "incomparable"; a space at an end is its own edge)."""
    pattern = re.escape(name).replace(r"\ ", rf"[\s-]+(?:(?:\d+|{_NUMBER_WORDS})[\s-]+)?")  # "line-chart"
    if name.isascii():
        pattern = ("(?<![a-z])" if name[0].isalnum() else "") + pattern + ("(?![a-z])" if name[-1].isalnum() else "")
    return re.compile(pattern)


def only_named(card: Card, reading: Reading) -> bool:
    """Nothing but the card's name is asked: "compare them", 「比較おねがい」."""
    rest = reading.rest
    for name in card.names:
        rest = rest.replace(name, " ")
    return bare(replace(reading, rest=rest))


def _one_slip(name: str, word: str) -> bool:
    """A one-key typo of a long name: "heatmpa", "rolout", "heatmaap" (never the name itself)."""
    if name == word or abs(len(name) - len(word)) > 1:
        return False
    if len(name) == len(word):
        wrong = [i for i in range(len(name)) if name[i] != word[i]]
        return len(wrong) == 1 or (len(wrong) == 2 and wrong[1] == wrong[0] + 1
                                   and name[wrong[0]] == word[wrong[1]] and name[wrong[1]] == word[wrong[0]])
    short, long_ = sorted((name, word), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def bare(reading: Reading) -> bool:
    """Nothing is left once the layer, head and model are read: "now layer 0", 「ヘッド3は?」."""
    rest = _LINKING_JA.sub(" ", _SAME_CHOICES.sub(" ", reading.rest))
    left = re.findall(r"[a-z0-9]*[a-z][a-z0-9]+|[a-z0-9]+[a-z]|[^\x00-\x7f]", rest)
    words = [word for word in left if word.isascii() and word not in _LINKING_WORDS]
    return not words and len([char for char in left if not char.isascii()]) <= 1
