"""Reading a question against the conversation: what "back to the first figure", "the first sentence",
"next layer" or "and if I write dim=0 instead?" refer to, filled into the reading as if the learner had said it.

The planner (agent/planner.py) calls `resolve` first, so every later step sees a question that names its
sentence, layer, head or expression; a return to an earlier figure also restores that figure's view and choices.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace

from agent.cards import Card, cards, views
from agent.context import Context
from agent.model_names import find_models
from agent.naming import bare, names_it
from agent.planner_knowledge import from_elsewhere
from agent.planner_numbers import ORDINAL, ORDINAL_WORDS, as_number
from agent.planner_quotes import blank
from agent.planner_reading import Reading, has_word, read
from agent.question_form import OF_TOKENS, asks_to_see
from agent.slots import DEFAULT_TEXT
from agent.spelling import JAPANESE, standard

__all__ = ["MY_SENTENCE", "ON_ITS_OWN", "one_panel_unsaid", "resolve", "the_sentence_replied", "words_of_it_unsaid"]

# the learner's own sentence spoken of without writing it ("a heatmap of my sentence", 「自分の文で」)
MY_SENTENCE = re.compile(r"\bmy\s+(?:own\s+)?(?:sentence|text|prompt|example)\b"
                         r"(?!\s+(?:(?:is|was)\s+(?:like|about|around|over|too|very|long|short|\d)|has|gets)\b)"
                         r"|\bthe\s+(?:sentence|text|prompt|example)\s+(?:i|we)\s+(?:mentioned|gave|wrote|said|sent|typed)\b"
                         r"|\ba\s+(?:sentence|text)\s+(?:of\s+my\s+own|i\s+(?:make|made|come|came)\s+up"
                         r"|i\s+(?:write|wrote|pick|chose|choose))\b"  # "a sentence I make up myself"
                         r"|(?:自分|私|わたし|僕|ぼく|俺)の(?:文|テキスト|例文|プロンプト)"
                         r"|自分で(?:考えた|作った|書いた)文", re.I)
# ... or a word of a sentence asked about with the sentence never given ("what does 'it' look at most?", 「この文の
# 『それ』って何を見てるの？」); a special token every sentence has is no such word ("what does [CLS] attend to?")
THIS_SENTENCE = re.compile(r"\b(?:this|that)\s+sentence\b|(?:この|その)(?:文|例文)(?![字法脈章])", re.I)


def words_of_it_unsaid(reading: Reading, question: str) -> bool:
    """A word of a sentence quoted in `question`, or "this sentence", spoken of with no sentence written; not a word
    whose own tokens are asked about (that word is the text), nor a word of the example sentence used when none is
    given ("a line chart of the attention from 'love' in layer 2")."""
    if reading.sentences or OF_TOKENS.search(reading.plain):
        return False
    return bool(THIS_SENTENCE.search(reading.plain)) or any(
        isinstance(word, str) and not word.startswith(("[", "<")) and len(word.split()) == 1
        and (word.isascii() or len(word) <= 4) and re.search(rf"[\"'「『“‘]{re.escape(word)}[\"'」』”’]", question)
        and not has_word(DEFAULT_TEXT[reading.language], word)
        for word in (reading.query, reading.key))


# what a sentence sent alone is not: a question, a request, thanks or a nod, a choice of the view
_NOT_A_SENTENCE = re.compile(r"[?？\"“”「」『』]|^\W*(?:ok|okay|thanks?|thank\s+you|sorry|please|pls|can|could|would"
                             r"|show|plot|draw|make|give|what|why|how|where|which|who|when|is|are|do|does|i\s+(?:mean|meant"
                             r"|want|wanted|don'?t|didn'?t))\b|ありがと|すみません|ごめん|(?:ください|下さい|してほしい|たい"
                             r"|ますか|ですか|かな|って(?:何|なに))\W*$", re.I)


def the_sentence_replied(question: str, context: Context) -> str:
    """A reply that is only a sentence, right after the sensei asked which one ("can you make a heatmap of my
    sentence?" → "Every student passed the exam except Tom.", 「自分の文で折れ線グラフ作りたい」 →
    「明日は雨が降るらしい」; the figure from a friend's slide, then its sentence): that sentence, in the quotes
    the sensei asked for."""
    if context.question is None:
        return question
    before = read(standard(context.question))
    if context.text is not None and not context.awaits_sentence:
        return question  # (in a conversation, only after "can I use my own sentence?" asked back for it)
    words_of_it = words_of_it_unsaid(before, context.question)  # (then `before` has no sentence)
    if not words_of_it and (_NOT_A_SENTENCE.search(question) or before.sentences
                            or not (MY_SENTENCE.search(before.plain) or from_elsewhere(before))):
        return question
    reply = read(question)
    said = reply.models or reply.layers or reply.heads or reply.query is not None or reply.expression is not None
    if words_of_it and len(reply.sentences) == 1 and not said and not asks_to_see(reply.plain):
        return f"{context.question} {question}"  # (the question of its word, now on the sentence quoted)
    if _NOT_A_SENTENCE.search(question):
        return question
    words = len(question.split()) >= 3 if question.isascii() else len(question.strip()) >= 6
    if said or not words or asks_to_see(reply.plain) or any(names_it(card, reply) for card in cards().values()):
        return question
    sentence = question.strip()
    quoted = f"「{sentence}」" if JAPANESE.search(sentence) else f'"{sentence}"'
    return f"{context.question} {quoted}" if words_of_it else quoted

_DIM = re.compile(r"dim\s*=\s*-?\d+")
_INDEX = re.compile(r"\[\s*-?\d+\s*\]")
# a call put on the end ("add .sum(dim=-1)", 「それに .mean(dim=0) を付けたら？」), an index taken off
# (「[0]抜いたら？」)
_METHOD = re.compile(r"\.(?:mean|sum|max|min|softmax|argmax|squeeze)\([^()]*\)")
_PUT_ON = re.compile(r"\b(?:add|append|tack|put|chain|stick)|\bon\s+the\s+end\b|付け|足し|追加|つなげ", re.I)
_TAKEN_OFF = re.compile(r"\b(?:drop|remove|without|leave\s+out|take\s+(?:off|out)|strip)\b"
                        r"|抜|外し|取っ|取り除|消し|なし", re.I)
_TERM = r"dim\s*=\s*-?\d+|\[\s*-?\d+\s*\]"
_SWAP_TERMS = (re.compile(rf"(?P<old>{_TERM})\s*(?:を|から)\s*(?P<new>{_TERM})\s*に"),
               re.compile(rf"\b(?:change|replace|swap|turn)\s+(?P<old>{_TERM})\s+(?:to|with|for|into)\s+(?P<new>{_TERM})"),
               re.compile(rf"(?P<new>{_TERM})\s+(?:instead\s+of|in\s+place\s+of|rather\s+than)\s+(?P<old>{_TERM})"),
               re.compile(rf"\bnot\s+(?P<old>{_TERM})\s*,?\s+but\s+(?P<new>{_TERM})"),
               re.compile(rf"(?P<old>{_TERM})\s*(?:じゃなくて|じゃなく|ではなく(?:て)?|でなく|の代わりに|のかわりに)\s*"
                          rf"(?P<new>{_TERM})"))  # 「dim=1じゃなくてdim=0だったら？」
_RETURNS = re.compile(r"\bback\s+to\b|\bgo\s+back\b|\breturn\s+to\b|戻")  # "back to the heatmap", 「一覧に戻して」
_FIRST = re.compile(r"\bfirst\b|最初|はじめ|1つ目|一つ目")


def resolve(reading: Reading, context: Context) -> Context:
    """Fill `reading` with what its references to the conversation mean; the context it goes on from (the one
    of an earlier figure it returns to, else `context`)."""
    context = _back_to_a_figure(reading, context)
    _corrected_choice(reading, context)
    _corrected_token(reading, context)
    _edit_again(reading, context)
    _earlier_sentences(reading, context)
    _edit_the_expression(reading, context)
    _step_the_layer(reading, context)
    _number_alone(reading, context)
    _panel_of_the_grid(reading, context)
    _model_spoken_of(reading, context)
    _first_model(reading, context)
    _choice_spoken_of(reading, context)
    _put_back(reading, context)
    _taken_out_again(reading, context)
    return context


def _earlier_sentences(reading: Reading, context: Context) -> None:
    """'back to the first sentence', 'compare the two' (「2つの文を比べて」), a comparison named after two sentences
    were drawn: the conversation's sentences, as if quoted."""
    place = {"first": 0, "second": 1, "newest": -1}.get(reading.earlier or "")
    meant = _sentences_by_word(reading, context)
    others = [text for text in context.texts if text != context.text]
    if len(meant) >= 2 and not reading.sentences:  # "compare the 'are' and 'is' versions"
        reading.sentences = meant
    elif meant and not reading.sentences:
        reading.sentences = meant if meant[0] != context.text else []
    elif reading.earlier == "other" and others:
        reading.sentences = [others[-1]]
    elif reading.earlier in ("english", "japanese"):
        meant = list(dict.fromkeys(text for text in context.texts if text.isascii() == (reading.earlier == "english")))
        reading.sentences = meant[-1:] if meant and meant[-1] != context.text else []
    elif reading.earlier in ("long", "short") and len(context.texts) >= 2:
        pick = max if reading.earlier == "long" else min
        meant = pick(context.texts, key=len)
        reading.sentences = [meant] if meant != context.text else []
    elif place is not None and len(context.texts) >= 2 \
            and (context.texts[place] != context.text or "sentence_b" in context.choices):
        # (when it is the latest, the question simply goes on with it, unless a pair is shown: one of it, alone)
        reading.sentences = [context.texts[place]]
    elif reading.earlier == "pair" and len(context.texts) >= 2 and "model_b" not in context.choices:
        reading.sentences = context.texts[-2:]
    elif not reading.sentences and not reading.models and len(context.texts) >= 2:
        named = [card for card in cards().values() if names_it(card, reading)]
        if named and all("sentence_b" in card.needs_any and card.tool != context.tool for card in named):
            reading.sentences = context.texts[-2:]  # 「次は比べて」 after two sentences drawn: those two
    if len(reading.sentences) == 1 and reading.sentences[0] in context.texts and context.text in context.texts \
            and any("sentence_b" in card.needs_any for card in cards().values() if names_it(card, reading)):
        # 「元の文と並べて比べて」: the earlier sentence and the one shown, in the order they came
        reading.sentences = sorted({reading.sentences[0], context.text}, key=context.texts.index)


def _edit_again(reading: Reading, context: Context) -> None:
    """"what if it said 'never' instead of 'always'?" then "and with 'often'?": a word alone, not in the sentence
    shown, takes the place of the one the last edit changed (the one word where the sentence differs from the
    sentence before it)."""
    if len(reading.sentences) != 1 or context.text is None or len(context.texts) < 2:
        return
    word = reading.sentences[0].strip()
    if not word or len(word) > (20 if word.isascii() else 8) or re.search(r"[\s。.!?！？]", word) \
            or word.lower() in context.text.lower() or not bare(reading):
        return
    before = next((text for text in reversed(context.texts) if text != context.text), None)
    changed = _changed_span(before, context.text) if before else None
    if changed is not None:
        start, end = changed
        reading.sentences = [context.text[:start] + word + context.text[end:]]


def _changed_span(before: str, now: str) -> tuple[int, int] | None:
    """Where `now` differs from `before` by one word (or, in Japanese, one run of characters): its span in `now`."""
    if now.isascii():
        pieces = [(found.start(), found.end(), found[0]) for found in re.finditer(r"[\w'-]+", now)]
        old = re.findall(r"[\w'-]+", before)
        if len(old) != len(pieces):
            return None
        differ = [piece for piece, word in zip(pieces, old, strict=True) if piece[2] != word]
        return (differ[0][0], differ[0][1]) if len(differ) == 1 else None
    opcodes = [code for code in difflib.SequenceMatcher(a=before, b=now, autojunk=False).get_opcodes()
               if code[0] != "equal"]
    return (opcodes[0][3], opcodes[0][4]) if len(opcodes) == 1 and opcodes[0][0] == "replace" else None


def _corrected_choice(reading: Reading, context: Context) -> None:
    """「あ、違う、層じゃなくてヘッドのほう。3番目のヘッド」, "no wait, not the layer, the head: head 3": the number
    was meant for the other choice, so the one it set goes back to what it was before (the default, when it was set
    from the start)."""
    if not context.views:
        return
    now = context.views[-1]["choices"]
    turned = [phrase for phrase in reading.turned_down if _CHOICE_WORD.fullmatch(phrase.strip())]
    for phrase in turned:
        name = "head" if re.search(r"head|ヘッド", phrase, re.I) else "layer"
        other = reading.layers if name == "head" else reading.heads
        mine = reading.heads if name == "head" else reading.layers
        if not other or mine or name not in now:
            continue
        before = next((view["choices"] for view in reversed(context.views[:-1])
                       if view["choices"].get(name) != now[name]), {})
        if name == "layer":
            reading.layers = [(before.get("layer", -1), "")]
        elif isinstance(before.get("head"), int):
            reading.heads = [(before["head"], "")]
        else:
            reading.off.add("head")


def _corrected_token(reading: Reading, context: Context) -> None:
    """「ごめん、loveじゃなくてnatural」, "not love, natural" while the line from 'love' is shown: the token turned down
    is the one shown, and the word of the sentence said beside it takes its place."""
    shown = context.choices.get("query")
    if reading.query is not None or not isinstance(shown, str) or not context.text \
            or not any(phrase.strip().lower() == shown.lower() for phrase in reading.turned_down):
        return
    words = [word for word in re.findall(r"[A-Za-z][\w'-]*", reading.rest)
             if re.search(rf"(?<![\w'-]){re.escape(word)}(?![\w'-])", context.text, re.I)]
    if len(words) == 1:
        reading.query = words[0]
        reading.rest = reading.rest.replace(words[0], " ", 1)


_CHOICE_WORD = re.compile(r"\W*(?:the\s+)?\d*\s*(?:番目の|つ目の)?(?:layers?|heads?|層|レイヤー?|ヘッド)"
                          r"\s*\d*\s*目?\W*", re.I)


def _sentences_by_word(reading: Reading, context: Context) -> list[str]:
    """The sentences of the conversation, each the only one that has the word the learner calls it by: "the
    'empty' sentence", "the river one", "the sentence with bank", 「川の文」."""
    meant: list[str] = []
    words: list[tuple[str, tuple[int, int] | None]] = [(word, None) for word in reading.sentence_words]
    words += [(found[1], found.span()) for pattern in _BY_WORD for found in pattern.finditer(reading.rest)
              if found[1] not in _NOT_A_SENTENCE_WORD]
    for word, span in words:
        suffixes = [word] if word.isascii() else [word[start:] for start in range(len(word))]
        for piece in suffixes:
            where = re.compile(rf"(?<![\w'-]){re.escape(piece)}(?![\w'-])" if piece.isascii() else re.escape(piece),
                               re.I)
            having = list(dict.fromkeys(text for text in context.texts if where.search(text)))
            if len(having) == 1:
                if span is not None:  # (the words that pointed are read: "the arrow sentence again" is bare)
                    reading.rest = reading.rest[:span[0]] + " " * (span[1] - span[0]) + reading.rest[span[1]:]
                if having[0] not in meant:
                    meant.append(having[0])
                break
    return meant


_BY_WORD = (re.compile(r"\bthe\s+([a-z][\w'-]*)\s+(?:sentence|one|version|example)\b"),
            re.compile(r"\b(?:sentence|one|version|example)\s+(?:with|about|containing)\s+(?:the\s+word\s+)?"
                       r"([a-z][\w'-]*)"),
            re.compile(r"([\u4e00-\u9fff\u30a0-\u30ffー々a-z]{1,12})の(?:ほう|方)?の?(?:文|例文)"),
            re.compile(r"([\u4e00-\u9fff\u30a0-\u30ffー々a-z]{1,12})の(?:ほう|方)(?!が)"))
_NOT_A_SENTENCE_WORD = frozenset("same other first second third last previous new old original latter former next "
                                 "english japanese this that right left long short longer shorter bert gemma minilm "
                                 "smollm2 whole a an".split())


def _edit_the_expression(reading: Reading, context: Context) -> None:
    """'and if I write dim=0 instead?' after an expression was explained: that expression with dim=0, not the
    article's; with a call put on its end, or its last index taken off."""
    previous = context.choices.get("expression")
    if not isinstance(previous, str) or not reading.expression_bare:
        return
    swap = next((found for pattern in _SWAP_TERMS for found in pattern.finditer(reading.plain)
                 if _squeezed(found["old"]) in _squeezed(previous)), None)
    if swap is not None:  # 「dim=1をdim=0に書き換えたら？」, 「元の式の[-1]を[0]にしたら」: that piece of it replaced
        where = re.compile(r"\s*".join(map(re.escape, _squeezed(swap["old"]))))
        reading.expression = where.sub(_squeezed(swap["new"]), previous, count=1)
        return
    method = _METHOD.search(reading.plain)
    index = _INDEX.fullmatch(reading.expression_term or "")
    if method and _PUT_ON.search(reading.plain):
        reading.expression = previous + method[0]
    elif index and _TAKEN_OFF.search(reading.plain):  # the last such index, not the layer's (attentions[2])
        taken = [found for found in _INDEX.finditer(previous) if not previous[:found.start()].endswith("attentions")]
        if taken:
            reading.expression = previous[:taken[-1].start()] + previous[taken[-1].end():]
    elif (term := _DIM.fullmatch(reading.expression_term or "")) and _DIM.search(previous):
        reading.expression = _DIM.sub(term[0].replace(" ", ""), previous)


def _squeezed(code: str) -> str:
    return re.sub(r"\s+", "", code)


def _back_to_a_figure(reading: Reading, context: Context) -> Context:
    """'go back to the first figure', 「2つ目の図に戻って」, 「最初のロールアウトに戻して」: the conversation as it was
    when that figure was drawn (its view, sentence, model and choices), which the question then goes on from
    ("back to the heatmap" alone keeps the conversation's choices: learners mean the view, now)."""
    place = reading.earlier_figure
    if place is None and _RETURNS.search(reading.plain):
        every = cards()  # a saved conversation may hold a figure of a tool no longer here: it names nothing
        drawn = [i for i, view in enumerate(context.views)
                 if view["tool"] in every and names_it(every[view["tool"]], reading)]
        if drawn and _FIRST.search(reading.plain):  # the first of a view named
            place = drawn[0]
        elif drawn and every[context.views[drawn[-1]]["tool"]].needs_any:
            place = drawn[-1]  # 「さっきの比較に戻って」: a comparison needs its pair, which only that figure had
    if place is None or not -len(context.views) <= place < len(context.views):
        return context
    reading.earlier_figure = place  # a return asks for that figure, as 「2つ目の図に戻って」 does
    view = context.views[place]
    return replace(context, tool=view["tool"], text=view["text"], model=view["model"], choices=dict(view["choices"]))


def _step_the_layer(reading: Reading, context: Context) -> None:
    """'one layer up', 「ひとつ前の層」: the layer next to the one shown (the last one when none was chosen); a
    negative index stays negative ('the layer before the last' then 'next layer' is the last). 'next head' steps
    the head, and 'next' alone what the learner was stepping through (the head or layer that changed last)."""
    if context.tool is None:
        return
    layer_step, head_step = reading.layer_step, reading.head_step
    if reading.step is not None:
        layer_step, head_step = (None, reading.step) if _stepping(context) == "head" else (reading.step, None)
    shown = context.choices.get("layer", -1)
    if layer_step is not None and isinstance(shown, int):
        layer = shown + layer_step[0]
        layer = min(layer, -1) if shown < 0 else max(layer, 0)
        reading.layers = [(layer, layer_step[1])]
    head = context.choices.get("head")
    if head_step is not None and not reading.heads:
        reading.heads = [(max((head if isinstance(head, int) else -1) + head_step[0], 0), head_step[1])]


def _number_alone(reading: Reading, context: Context) -> None:
    """A number alone stands for the choice the question before gave one: "ok do 50", 「じゃあ上限いっぱいの50で」
    after a generation is how many tokens to write; "right, 29 then" after "… at layer 30", "the sixth then" after
    "the seventh layer", 「じゃあ3で」 after 「ヘッド4で」 is that layer or head (a number as an index, an ordinal
    counted from 1); after a question that set both or neither, "and 7", "that was 9, now 10" is the one the learner
    is stepping through."""
    if reading.new_tokens is not None or reading.layers or reading.heads:
        return
    if _shown_takes(context, "new_tokens"):
        found = re.fullmatch(r"\D*?(?<![\w.-])(\d{1,4})(?![\w.])\D*", reading.rest)
        if found is not None and bare(reading):
            reading.new_tokens = int(found[1])
            reading.rest = blank(reading.rest, *found.span(1))
            return
    alone = _NUMBER_ALONE.search(reading.rest)
    if alone is None or context.question is None:
        return
    before = read(standard(context.question), context.text)
    if one_panel_unsaid(before, context):  # the reply to "which head?" (a number as an index, an ordinal from 1)
        reading.heads = [(int(alone["number"]) if alone["number"] else ORDINAL[alone["ordinal"]] - 1, alone[0].strip())]
        reading.rest = blank(reading.rest, *alone.span())
        return
    if alone["number"] and _shown_takes(context, "new_tokens") and before.new_tokens is not None:
        reading.new_tokens = int(alone["number"])
    else:
        value = int(alone["number"]) if alone["number"] else ORDINAL[alone["ordinal"]] - 1
        numbered = [name for name, said in (("layers", before.layers), ("heads", before.heads)) if said]
        if len(numbered) > 1:  # "layer 30 head 4" refused for its layer: the one the conversation did not keep
            numbered = [name for name in numbered if name.removesuffix("s") not in context.choices]
        if len(numbered) != 1 and _shown_takes(context, _stepping(context)):
            numbered = [f"{_stepping(context)}s"]  # ("layer 3 head 4", then "and 7": what the learner steps through)
        if len(numbered) != 1:
            return
        setattr(reading, numbered[0], [(value, alone[0].strip())])
    reading.rest = blank(reading.rest, *alone.span())


# the last clause of a message, a number or an ordinal alone: "ugh, max 50? ok 50", "oh, it has six. the sixth then"
_NUMBER_ALONE = re.compile(rf"(?:^|[.?!。？！,，、]\s*)\W*(?:(?:ok|okay|right|fine|so|then|and|now|oh|ah|sorry|oops"
                           rf"|argh"
                           rf"|ugh|hmm+|well|no|じゃあ|では|なら|あ|えっと)\W*)*(?:the\s+)?"
                           rf"(?:(?<![\d.])(?P<number>\d{{1,4}})|(?P<ordinal>{ORDINAL_WORDS}))(?:\s*one)?"
                           rf"\s*(?:then|instead|please|pls|でお願いします|でお願い|で|に|にして)?\W*$")


# one panel of the grid of heads, by its place: "the third one", 「2番目のやつ」, 「3個目の」
_PANEL = re.compile(rf"\bthe\s+(?P<ordinal>{ORDINAL_WORDS})\s+(?:one|panel|square|plot|map)\b"
                    r"|(?P<number>\d{1,2})\s*(?:番目|個目|つ目)(?:の(?:やつ|もの|ヘッド|図|パネル)?|を)?", re.I)


# ... or one panel, unsaid which ("can I see one of those bigger?", 「どれか一個を大きく見たいな」): which head?
_ONE_OF_THEM = re.compile(r"(?<!every\s)\bone\s+of\s+(?:those|them|these|the\s+heads|the\s+panels)\b"
                          r"|\b(?:any|some)\s+one\s+of\b"
                          r"|どれか(?:一|1|ひと)(?:つ|個)|(?:ひとつ|一つ|1つ|一個|1個)だけ(?:を)?(?:大きく|拡大)", re.I)
ON_ITS_OWN = re.compile(r"\b(?:bigger|larger|enlarged?|zoom(?:ed)?|blow\s+up|on\s+its\s+own|by\s+itself|alone"
                         r"|full[\s-]*size)\b|大きく|拡大|単体|1枚で|一枚で", re.I)


def _shown(context: Context) -> Card | None:
    """The card of the figure shown (none: nothing shown, or a tool no longer here in a saved conversation)."""
    return cards().get(context.tool or "")


def _shown_takes(context: Context, reading: str) -> bool:
    """The figure shown is of a tool that takes this reading ("new_tokens": it writes a continuation)."""
    shown = _shown(context)
    return shown is not None and shown.argument_for(reading) is not None


def _of_the_grid(reading: Reading, context: Context) -> bool:
    """The grid of heads is shown and the question names no head, layer or earlier figure: it may point at a panel."""
    shown = _shown(context)
    return shown is not None and shown.panels == "head" and not reading.heads and not reading.layers \
        and reading.earlier_figure is None


def one_panel_unsaid(reading: Reading, context: Context) -> bool:
    """One panel of the grid of heads asked for without saying which: the sensei asks which head."""
    return _of_the_grid(reading, context) and not reading.sentences and bool(_ONE_OF_THEM.search(reading.rest)) \
        and bool(ON_ITS_OWN.search(reading.rest))


def _panel_of_the_grid(reading: Reading, context: Context) -> None:
    """"the third one looks like a diagonal line, can you make that one big?", 「2番目のやつを大きくして」 after the
    grid of heads: that head (counted from 1)."""
    if not _of_the_grid(reading, context):
        return
    found = _PANEL.search(reading.rest)
    if found is not None:
        place = ORDINAL[found["ordinal"].lower()] if found["ordinal"] else int(found["number"])
        reading.heads = [(place - 1, found[0].strip())]
        reading.rest = blank(reading.rest, *found.span())


def _stepping(context: Context) -> str:
    """"head" or "layer": the one that changed between the last two figures, else the head when one is shown."""
    if len(context.views) >= 2:
        before, now = context.views[-2]["choices"], context.views[-1]["choices"]
        for name in ("head", "layer"):
            if isinstance(before.get(name), int) and isinstance(now.get(name), int) and before[name] != now[name]:
                return name
    return "head" if isinstance(context.choices.get("head"), int) else "layer"


# a model pointed at to be loaded or used ("ok load that one", 「じゃあそれ読み込んで」, "use it then")
_LOAD_THAT = re.compile(r"\b(?:load|use|switch\s+to|go\s+with|pick|take)\s+(?:that|this|it|that\s+one|this\s+one)\b"
                        r"|(?:それ|そいつ|そのモデル|そっち|あれ)(?:を|で)?\s*"
                        r"(?:読み込|よみこ|ロード|使|切り替え)", re.I)


_JAPANESE_ASKED = re.compile(r"日本語|\bjapanese\b", re.I)


def _model_spoken_of(reading: Reading, context: Context) -> None:
    """"which one is like llama?" and then "ok load that one": the one model the question before named."""
    if reading.models or not context.question or not _LOAD_THAT.search(reading.plain):
        return
    # (「どれが日本語わかるの？」 asks for the one that reads Japanese)
    models = find_models(context.question)[0] or find_models(_JAPANESE_ASKED.sub("japanese model", context.question))[0]
    if len(models) == 1:
        reading.models = models


_FIRST_MODEL = re.compile(r"\b(?:first|original)\s+model\b|(?:最初|はじめ|元|もと)のモデル", re.I)


def _first_model(reading: Reading, context: Context) -> None:
    """'switch back to the first model', 「最初のモデルに戻して」: the model the conversation's first figure ran on.
    One that named none ran on the session's model, read here as the app's default; Japanese on a model that
    reads English only ran on gemma-270m, as the tools do (tools/core/plumbing.py)."""
    found = _FIRST_MODEL.search(reading.plain)
    if reading.models or found is None or not context.views:
        return
    from tools.core.models import DEFAULT_MODEL, english_only  # (the tools' specs, read when a question needs them)

    first = context.views[0]
    japanese = bool(JAPANESE.search(first["text"] or ""))
    model = first["model"] or ("gemma-270m" if japanese and english_only(DEFAULT_MODEL) else DEFAULT_MODEL)
    reading.models = [(model, found[0])]


_THAT_HEAD = re.compile(r"\b(?:that|this)\s+head\b|(?:その|この|あの)ヘッド", re.I)
_THAT_LAYER = re.compile(r"\b(?:that|this)\s+layer\b|(?:その|この|あの)(?:層|レイヤー)", re.I)


def _choice_spoken_of(reading: Reading, context: Context) -> None:
    """「ヘッド2が斜めに並んでるけど、どういうこと」 answered, then 「そのヘッドだけ大きく」: the head (or layer) the
    question before spoke of, when no figure took it."""
    head = not reading.heads and bool(_THAT_HEAD.search(reading.plain))
    layer = not reading.layers and bool(_THAT_LAYER.search(reading.plain))
    if not context.question or not (head or layer):
        return
    before = read(standard(context.question), context.text)
    if head and len(before.heads) == 1 and before.heads[0][0] != context.choices.get("head"):
        reading.heads = before.heads
    if layer and len(before.layers) == 1 and before.layers[0][0] != context.choices.get("layer"):
        reading.layers = before.layers


# what was just taken out, put back ("put them back, and go to the last layer", 「やっぱり戻して」)
_PUT_BACK = re.compile(r"\b(?:put|bring|add)\s+(?:them|those|these|'em|it)\s+back\b|\bback\s+in\b"
                       r"|^\W*(?:やっぱり|やっぱ|じゃあ)?\W*(?:それ|あれ)?(?:を)?(?:元に)?戻して\W*$|入れ直して", re.I)


def _taken_out_again(reading: Reading, context: Context) -> None:
    """"Without them", once the special tokens were left out of a figure of this conversation: them again."""
    found = _WITHOUT_THEM.search(reading.rest)
    if found and not reading.exclude_special and "exclude_special" not in reading.off \
            and any(view["choices"].get("exclude_special") for view in context.views):
        reading.exclude_special = True
        reading.rest = blank(reading.rest, *found.span())


_WITHOUT_THEM = re.compile(r"\bwithout\s+(?:them|those|these|'em)\b", re.I)


def _put_back(reading: Reading, context: Context) -> None:
    """The special tokens the view shown leaves out, put back: the same view with them ("put them back" after a
    word on why the other values grew)."""
    found = _PUT_BACK.search(reading.rest)
    if found and not reading.exclude_special and context.choices.get("exclude_special"):
        reading.off.add("exclude_special")
        reading.rest = blank(reading.rest, *found.span())


# one of a list picked by its place: "the second one", "number 3", 「2つ目のやつ」「3番目のも」 (not a token's or
# a layer's place: 「2番目のトークン」)
_PICKED = re.compile(rf"\b(?:the\s+)?({ORDINAL_WORDS}|2nd|3rd|4th)\s+(?:one|option|view|choice|kind)\b"
                     r"|\b(?:number|option|no\.|#)\s*(\d{1,2})\b"
                     r"|(\d{1,2}|[一二三四五六七八九十])\s*(?:つ目|番目|個目)(?!\s*の?\s*(?:トークン|層|レイヤ|ヘッド|単語|文))",
                     re.I)


def view_picked(reading: Reading, context: Context) -> Card | None:
    """The view picked by its place in the menu of views the answer before listed (`Context.menu`)."""
    match = _PICKED.search(reading.plain) if context.menu else None
    if match is None:
        return None
    word, number, place = match.groups()
    index = ORDINAL[word.lower()] if word else as_number(number or place)
    if index <= 2 and len(context.texts) >= 2:
        return None  # "the second one" after two sentences is the sentence
    listed = views()
    return listed[index - 1] if 1 <= index <= len(listed) else None
