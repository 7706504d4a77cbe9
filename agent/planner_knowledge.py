"""Which knowledge entries answer a question: pasted messages first, then what a clause asks, then the closest.

The planner (agent/planner.py) decides whether a figure is asked for; this module decides which
concepts the answer explains beside it or instead of it. Entries are chosen by meaning (agent/meaning.py)
with two literal reads: a pasted error or warning is matched by its message as written, and an entry
whose *telling* keyword the question says ("rollout", 「豆腐」: words few examples say) comes before one a
little closer by meaning. A message spoken of but not quoted ("I got a warning") is asked for.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache

from agent import planner_quotes as literal
from agent.cards import Card, cards
from agent.context import Context
from agent.meaning import ASK_BELOW, KNOWLEDGE_MIN, Match, all_examples, mask_literals, meaning_index, weak
from agent.naming import bare
from agent.planner_reading import Reading, only_words_quoted
from agent.question_form import asks_to_see, asks_yes_no
from prompts import Entry, knowledge

__all__ = ["entries", "looks_different", "about_the_view", "said_keyword", "shown_in_few_words", "demonstrated",
           "asked_beside", "pasted_messages", "unnamed_message", "told", "SPEAKS_OF_A_MESSAGE", "MAX_KNOWLEDGE",
           "what_to_do_about_a_message", "from_elsewhere", "ELSEWHERE_ENTRY"]

MAX_KNOWLEDGE = 3
BOTH_MARGIN = 0.08  # a tool and an entry both come when their scores are this close
TOLD_REACH = 0.16  # an entry whose telling keyword the question says comes first when this close to the closest
SHOWN_REACH = 0.1  # ... and, in a conversation, an entry about the view just shown when this close
TELLING_LABELS = 3  # a keyword is telling when the examples of at most this many cards and entries say it
# code that stopped working, said without its message ("it doesnt work :(", 「動かなくなった」)
_SOMETHING_FAILED = re.compile(r"\b(?:doesn'?t|does\s+not|didn'?t|won'?t|isn'?t|not)\s+work|\bbr(?:oke|oken)\b"
                               r"|\bcrash|\bfail|\bfix\s+(?:my|the|this)\s+code"
                               r"|動かな|動きません|壊れ|落ちる|落ちた|止まった|止まる|失敗", re.I)
# (not an error supposed: 「層18を指定したらエラーになる？」, "would I get an error if I asked for layer 6?")
SPEAKS_OF_A_MESSAGE = re.compile(r"warning|error(?!\s+if\b)|traceback|exception|red\s+(?:text|message|lines?)"
                                 r"|\b(?:this|that|the|a|some|weird|strange|long|huge|big|scary)\s+(?:\w+\s+)?(?:\w+\s+)?message\b"
                                 r"|(?:変な|謎の|へんな|なんかの|何かの)メッセージ"
                                 r"|\bcomplain(?:s|ed|ing)?\b(?!\s+that)|\byell(?:s|ed|ing)?\s+at\b"
                                 r"|\bprint(?:s|ed)?\s+(?:out\s+)?(?:some|a|an|this|that)\s+(?:\w+\s+)?(?:thing|stuff)\b"
                                 r"|警告|エラー(?!(?:に|が)(?:なる|なります|出る|出ます)(?:の|ん)?(?:か|かな|ですか|でしょうか)?\s*[?？])"
                                 r"|ワーニング|赤い文字|赤字|例外|(?<!って)怒って|文句"
                                 r"|何か(?:表示が|メッセージが|が)?出て|(?:どうこう|なんか|何か)言われ", re.I)

# what to do about it, or whether it matters, asked ("what do I do", "is that ok?", 「どうすればいい?」)
_WHAT_TO_DO = re.compile(r"\bwhat\s+(?:do|should|can)\s+i\s+do\b"
                         r"|\bhow\s+(?:do|can|should)\s+i\s+(?:fix|solve|get\s+rid)"
                         r"|\bwhat\s+now\b|どうすれば|どうしたら|どうしよう|対処"
                         r"|\bis\s+(?:that|this|it)\s+(?:ok|okay|bad|fine|normal|a\s+problem)\b"
                         r"|大丈夫|問題ない|まずい", re.I)


# a run that stopped, told as it happened ("it crashes", 「途中で落ちた」; not "is my code broken or is that normal?")
_STOPPED = re.compile(r"\bcrash|\bfail(?:s|ed)\b|\bbroke\b|\bstopped\s+working"
                      r"|\b(?:doesn'?t|didn'?t|won'?t)\s+(?:work|run)"
                      r"|落ちた|落ちる|止まった|止まる|動かな|動きません", re.I)
# a new error after a change ("my cell gives a different error now", 「今度は別のエラー」): the learner's own run,
# and no message already told
_NEW_MESSAGE = re.compile(r"\b(?:another|a\s+different|some\s+other|a\s+new)\s+error\b|別のエラー|違うエラー"
                          r"|今度は\S{0,6}エラー", re.I)
# the learner's own run ("in my notebook", "when I ran it", "at home", 「うちの環境だと」「colabで動かしたら」)
_MY_RUN = re.compile(r"\b(?:for|on|with)\s+me\b|\bmy\s+(?:own\s+)?(?:notebook|code|script|version|machine|laptop|pc|mac"
                     r"|computer|environment|setup|side|colab)\b|\b(?:at|from)\s+home\b|\b(?:on|in)\s+colab\b"
                     r"|\bwhen\s+i\s+(?:run|ran|try|tried|copied|paste|pasted|open|opened|load|loaded|click|clicked)"
                     r"|\bi\s+(?:copied|pasted|tried|ran)\b"
                     r"|\btried\s+(?:it|the\s+same|that|this)|\bat\s+me\b|\bmy\s+(?:cell|browser|console|terminal|kernel)\b"
                     rf"|{_NEW_MESSAGE.pattern}"
                     r"|自分で|自分の|うちの|家の|手元|(?:colab|Colab|ノートブック|ノート|環境)(?:で|だと|やと)"
                     r"|(?:動かし|実行し|やっ|試し|走らせ|回し|入れ|生成しようとし|開い|変え|直し)たら", re.I)


# a figure this chat never drew: someone's ("the one my professor showed in class", 「先輩のスライドの図」),
# uploaded, or from before this conversation ("before this chat", 「別のタブで送った」)
_PERSON_EN = r"(?:professor|prof|teacher|lecturer|instructor|friend|classmate|colleague|coworker|boss|senior|tutor" \
             r"|supervisor|advisor|ta|engineer|manager|mentor|daughter|son|kid|grandson|granddaughter|wife|husband" \
             r"|partner|brother|sister|lab[- ]?mate|group[- ]?mate|room[- ]?mate|senpai" \
             r"|co-?(?:presenter|speaker|author|worker|teacher))"
_FIGURE_EN = r"(?:figures?|pictures?|images?|plots?|charts?|heat\s*maps?|maps?|grids?|graphs?|diagrams?|screenshots?" \
             r"|slides?|one|versions?|tables?|notes)"
_PERSON_JA = r"(?:友達|友人|ともだち|先生|せんせい|先輩|せんぱい|教授|同僚|上司|後輩|講師" \
             r"|クラスメイト|同級生|娘|息子|孫|家族|知人|部下|同期)"
_FIGURE_JA = r"(?:図|画像|グラフ|ヒートマップ|スクショ|表|やつ)"
_ELSEWHERE = re.compile(
    rf"\b(?:my|our|the|a|her|his)\s+{_PERSON_EN}(?:'s)?\s+(?:(?!says\b|said\b|thinks\b|told\b)\w+\s+)?{_FIGURE_EN}\b"
    # ("yours doesn't look like the professor's at all")
    rf"|\blike\s+(?:my|our|the|a|her|his)\s+{_PERSON_EN}'s(?!\s+(?:\w+\s+)?(?:sentence|text|example|code|idea))\b"
    # ("my prof had a slide where …", "my labmate made this exact sentence … can you load her plot")
    rf"|\b(?:my|our|a)\s+{_PERSON_EN}\s+(?:had|has|showed|used)\s+(?:a|an|this|that|one)\s+(?:\w+\s+)?{_FIGURE_EN}\b"
    rf"|\b(?:load|show|open|pull\s+up)\s+(?:her|his|their)\s+(?:\w+\s+)?{_FIGURE_EN}\b"
    r"|\b(?:my|the)\s+lecture\s+notes\b|\b(?:in|from)\s+(?:my|the|our)\s+(?:\w+\s+)?chat\s+yesterday\b"
    # ("my prof had a totally diff looking one in class", "the handout from my class shows …", "sent u a screenshot")
    rf"|\b(?:my|our|a)\s+{_PERSON_EN}\s+(?:had|has|showed|used)\s+(?:a|an|this|that|one)\s+(?:\w+\s+){{0,3}}one\b"
    r"|\bthe\s+handout\s+(?:from|of)\s+(?:my|our|the)\s+(?:class|course|lecture|seminar)\b|\b(?:sent|send)\s+(?:u|you)\s+(?:a\s+)?(?:screenshot|screen\s*shot|picture|photo|image)\b"
    r"|\byesterday'?s\s+chat\b"
    rf"|\b{_FIGURE_EN}\s+(?:that\s+|which\s+)?(?:my|our|the)\s+{_PERSON_EN}\s+"
    r"(?:showed|shown|sent|made|drew|shared|posted|had|used|gave)\b"
    # ("my coworker made one of these", "my daughter sent me a photo of a chart", "my engineer says his chart …")
    rf"|\b{_PERSON_EN}\s+(?:showed|sent|made|drew|shared|posted|gave)\s+(?:me\s+|us\s+)?(?:a\s+photo\s+of\s+)?"
    rf"(?:an?\s+|one\s+of\s+|the\s+|this\s+|his\s+|her\s+|their\s+)?(?:\w+\s+)?{_FIGURE_EN}\b"
    rf"|\b{_PERSON_EN}\s+(?:says|said)\s+(?:his|her|their)\s+(?:\w+\s+)?{_FIGURE_EN}\b"
    # ("… and her picture had much brighter colours", "the heatmap he showed in his class", "my own rollout script
    # gives different numbers")
    rf"|\b(?:her|his|their)\s+(?:own\s+)?{_FIGURE_EN}\s+(?:had|has|was|is|looked|looks|showed|shows)\s+(?:much\s+|way\s+"
    r"|a\s+lot\s+|far\s+|totally\s+|completely\s+)?(?:\w+er|different|nothing)\b"
    rf"|\b{_FIGURE_EN}\s+(?:that\s+)?(?:he|she|they)\s+(?:showed|shared|used|had|made|drew)\b"
    r"|\bmy\s+own\s+(?:\w+\s+)?(?:script|code|notebook|implementation)\s+(?:gives|gave|shows|showed|returns|produces)\b"
    rf"|\bphotos?\s+of\s+(?:an?\s+|the\s+|this\s+|that\s+)?(?:\w+\s+)?{_FIGURE_EN}\b"
    r"|\b(?:on|in|at)\s+(?:another|a\s+different|some\s+other)\s+(?:site|website|page|blog)\b"
    # ("the slide I got from last year's course", 「去年の資料の図」)
    r"|\b(?:last|previous)\s+year'?s\s+(?:course|class|lecture|slides?|deck|handout|materials?|talk)\b"
    rf"|\b{_FIGURE_EN}\s+(?:i|we)\s+(?:got|had|received)\s+from\b"
    rf"|(?:去年|昨年|前回|以前|前年)の(?:資料|スライド|講義|授業|発表)(?:の|で|に)?\S{{0,4}}?{_FIGURE_JA}"
    r"|\b(?:i|we)\s+(?:uploaded|attached)\b|\bbefore\s+(?:i\s+opened\s+)?this\s+chat\b"
    r"|\bin\s+(?:another|a\s+different|the\s+other|my\s+other)\s+(?:tab|chat|window)\b"
    # ("Figure 3 of the Kobayashi paper", "fig. 2 in that blog post")
    r"|\bfig(?:ure|\.)?\s*\d+\w?\s+(?:of|in|from)\s+(?:the|a|an|that|this|his|her|their)\s+(?:[\w-]+\s+){0,2}"
    r"(?:paper|article|book|textbook|slides?|talk|post|blog)\b"
    rf"|{_PERSON_JA}(?:から|が|に)?(?:\S{{1,6}}?(?:に|で))?(?:送られてきた|送ってくれた|送ってきた|見せてくれた|見せてもらった|もらった|もろた"
    rf"|作った|描いた|貼った|上げてた|上げていた|載せてた|投稿してた|見せてた|見せていた|使ってる|使っている|使ってた"
    rf"|使っていた)\S{{0,8}}?{_FIGURE_JA}|{_PERSON_JA}の(?:\w{{1,6}}の)?{_FIGURE_JA}"
    # (「先生の授業スライドにあったヒートマップ」, 「社内で別途作成した図」: from slides or a paper, or made elsewhere)
    rf"|(?:スライド|資料|論文|教科書)(?:に|で)(?:あった|載ってた|載っていた|出てた|出ていた|見た)\S{{0,4}}?{_FIGURE_JA}"
    rf"|(?:授業|講義|ゼミ|研修)で(?:配られた|見た|使った|出てきた)\S{{0,8}}?{_FIGURE_JA}|{_PERSON_JA}の\S{{0,4}}?スライド"
    rf"|(?:社内|別途)で\S{{0,4}}?(?:作成した|作った|描いた)\S{{0,3}}?{_FIGURE_JA}"
    rf"|(?:別の|ほかの|他の)(?:サイト|ページ|ブログ|記事)で(?:見た|見つけた)\S{{0,12}}?{_FIGURE_JA}"
    r"|別のタブ|前のチャット|このチャットの前|アップロードした|添付した|スクショ(?:を)?(?:送|貼|添付|上げ)"
    # (「さっき送った画像」「ネットで見た…図」「授業のスライドに出てきた…図」「教科書だと」「論文で拝見した図」
    # 「セミナーで講師の方が見せておられたヒートマップ」「友達のPCで動かしたら違う図」)
    rf"|(?:送った|貼った|添付した)(?:画像|スクショ|写真|図)|(?:ネット|ウェブ|web|サイト|記事|ブログ|論文|教科書|本)で"
    rf"(?:見た|拝見した|見かけた|読んだ)\S{{0,10}}?{_FIGURE_JA}|(?:スライド|資料|論文|教科書|ハンドアウト|配布資料)(?:に|で)"
    rf"(?:出てきた|出ていた|あった)\S{{0,8}}?{_FIGURE_JA}|^\W*(?:教科書|論文|参考書|配布資料)(?:だと|では)"
    rf"|(?:セミナー|講演|勉強会|発表)で\S{{0,12}}?(?:見せ|使っ|出し)\S{{0,8}}?{_FIGURE_JA}"
    rf"|{_PERSON_JA}の(?:PC|パソコン|環境|マシン)で\S{{0,10}}?(?:違う|ちがう|別の){_FIGURE_JA}"
    r"|\b(?:i'?ll|let\s+me|can\s+i)\s+(?:send|upload|attach|paste)\s+(?:you\s+)?a\s+screenshot\b"
    # ("my colab figure", "my friend got a totally different map", "my classmate's version had way bigger squares",
    # "something else is off in her plot", "the one in my textbook", "a 3D one in a tutorial video")
    rf"|\bmy\s+(?:own\s+)?(?:colab|notebook|jupyter|local)\s+{_FIGURE_EN}\b"
    rf"|\b{_PERSON_EN}\s+(?:got|gets|made|makes)\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){{0,2}}{_FIGURE_EN}\b"
    rf"|\b{_PERSON_EN}'s\s+(?:own\s+)?{_FIGURE_EN}\s+(?:had|has|was|is|looked|looks|showed|shows)\b"
    rf"|\b{_PERSON_EN}\s+(?:showed|shared|drew)\s+(?:an?\s+|the\s+)?[\w-]+\s+{_FIGURE_EN}\b"
    rf"|\bin\s+(?:her|his|their)\s+(?:own\s+)?{_FIGURE_EN}\b"
    rf"|\b{_FIGURE_EN}\s+(?:in|from)\s+(?:my|the|a|an|another|some)\s+(?:[\w-]+\s+)?"
    r"(?:textbook|book|paper|tutorial|video|lecture|course|talk)\b", re.I)
ELSEWHERE_ENTRY = "figure_from_elsewhere"


# ... said to look different from the one shown ("hers looks totally different", 「色の出方が違う」): even asked why,
# what it showed is needed first
_LOOKS_DIFFERENT = re.compile(r"\b(?:looks?|looked|is|was|are|were|seems?)\s+(?:\w+\s+)?(?:different|nothing\s+like)\b"
                              r"|\bdiffer(?:s|ent)?\s+from\b|違う|違って|ちがう|ちがって"
                              # ("her picture had much brighter colours", 「もっと赤っぽかった」)
                              r"|\b(?:had|has|have|showed|shows|gave|gives|looked|looks|was|were)\s+(?:much\s+|way\s+"
                              r"|a\s+lot\s+|far\s+)?(?:bigger|smaller|brighter|darker|higher|lower|larger|stronger"
                              r"|weaker|nicer|better|cleaner)\b|もっと\S{0,8}?(?:かった|だった)", re.I)


def looks_different(reading: Reading) -> bool:
    return bool(_LOOKS_DIFFERENT.search(reading.plain))


def from_elsewhere(reading: Reading, texts: list[str] | tuple[str, ...] = ()) -> bool:
    """The question speaks of a figure this chat never drew and gives nothing to draw it from: its sentence is
    asked for, and what it showed. A person who is in one of the conversation's `texts` names that sentence ("the
    sister one" after 'Yesterday my sister baked a cake')."""
    # (a word of it quoted is no sentence to draw it from: 「友達のスライドの図だと『食べ』に0.7くらい集まってる」)
    found = _ELSEWHERE.search(reading.plain) if only_words_quoted(reading) else None
    person = re.search(f"{_PERSON_EN}|{_PERSON_JA}", found[0], re.I) if found else None
    return found is not None and not (person and any(person[0].lower() in text.lower() for text in texts))


def what_to_do_about_a_message(reading: Reading) -> bool:
    """The question speaks of a message without pasting it, and asks what to do about it or tells that it stopped a
    run or that the learner's own run printed it: a view it names is where the message came from ("… a long red
    message when I ran the heatmap code, what do I do", "the 3D code from the article gives me an error in my
    notebook", 「ヒートマップのとこでエラーで止まった」, 「家のPCで同じのやったら途中で落ちた」)."""
    spoken_of = SPEAKS_OF_A_MESSAGE.search(reading.plain)
    stopped = _STOPPED.search(reading.plain)
    return bool(spoken_of and (_WHAT_TO_DO.search(reading.plain) or stopped)
                or (spoken_of or stopped) and _MY_RUN.search(reading.plain))


# a term alone, asked what it is ("previous-token head = ?", 「eagerってなに」, 「sinkって？」)
TERM_ALONE = re.compile(r"^\W*([a-z][\w' -]{1,30}?)\s*=\s*[?？]\W*$"
                        r"|^\W*([^\d\s０-９、。,.]{1,15}?)(?:って\s*(?:[?？]|なに|何|なん(?:ですか|や|なん)?)|とは)"
                        r"\W*$", re.I)


def a_term(text: str) -> bool:
    """A quoted piece that is a concept's keyword ("entropy", "##", "grouped-query attention"), not a sentence."""
    said = text.strip().lower()
    entries_of, inside = _keywords()
    return len(said.split()) <= 3 and (said in entries_of or bool(inside.search(said)))


@cache
def _keywords() -> tuple[dict[str, tuple[str, ...]], re.Pattern[str]]:
    """Every entry's keywords, lower-cased, each with the entries that have it (in the knowledge file's order), and
    the longer ones (five characters or more) as one pattern that finds them as whole words inside a short piece."""
    entries_of: dict[str, tuple[str, ...]] = {}
    for entry in knowledge().values():
        for word in dict.fromkeys(word.lower() for word in (*entry.keywords_en, *entry.keywords_ja)):
            entries_of[word] = (*entries_of.get(word, ()), entry.id)
    longer = sorted((word for word in entries_of if len(word) >= 5), key=len, reverse=True)
    return entries_of, re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, longer)) + r")(?![\w-])")


# ... and in English, a keyword asked what it is ("whats gqa", "what is an attention sink?")
_WHAT_IS_TERM = re.compile(r"^\W*what(?:'s|s|\s+is|\s+are)\s+(?:an?\s+)?([\w' -]{2,30}?)\s*[?？]?\s*$", re.I)


# ... or only a keyword and a question mark, a trailing 「って」 or a trail of dots ("induction??", "kobayashi?",
# 「ノルム…？」「エントロピーって」), unless it names a form of the figure or a choice ("heatmap?", "3d?", "last layer?"
# redraw it)
_TERM_QUERIED = re.compile(r"^\W*(?:(?:so|and|hmm+|um+|ok|uh)\W+)?"
                           r"([^\d\s０-９?？…、。,.][^\d０-９?？…、。,.]{0,24}?)\s*(?:[?？]+|(?:…|\.\.\.)+\s*[?？]*|って)\W*$",
                           re.I)
_FORMS = re.compile(r"heat\s*map|ヒートマップ|line|折れ線|3d|3-d|立体|grid|グリッド|table|表|explorer|html", re.I)


def term_asked(reading: Reading) -> list[str]:
    """The entries that have a term asked alone as one of their keywords, exactly."""
    found = TERM_ALONE.match(reading.plain) or _WHAT_IS_TERM.match(reading.plain)
    queried = None if found else _TERM_QUERIED.match(reading.plain)
    if queried and (_FORMS.search(queried.group(1)) or reading.layers or reading.heads or reading.models):
        queried = None
    found = found or queried
    term = next((group for group in found.groups() if group), "").strip().lower() if found else ""
    entries_of = _keywords()[0]
    if queried and term not in entries_of:  # ("sink tokens?" is "sink", "induction??" is "induction head")
        term = next((word for word in (re.sub(r"\s+(?:tokens?|heads?)$|s$", "", term), f"{term} head")
                     if word in entries_of), term)
    return [name for name in entries_of.get(term, ()) if not knowledge()[name].asks_back][:1]


def entries(reading: Reading, matches: list[Match], pasted: tuple[str, ...], asked: tuple[str, ...],
             card: Card | None, tool_score: float, pasted_error: bool = False, shown: str | None = None
             ) -> tuple[str, ...]:
    """Knowledge to include: pasted messages first, then those a clause asks about (`asked`), then a bare term's
    entry, then the closest by meaning (of those nearly as close, one about the view `shown`); a warning only
    spoken of (not `pasted_error`) is asked for."""
    found = [*pasted, *asked]
    if reading.expression_term:
        found += literal.term_knowledge(reading.expression_term)
    found += term_asked(reading)
    base = knowledge()
    if not (SPEAKS_OF_A_MESSAGE.search(reading.plain) or _SOMETHING_FAILED.search(reading.plain)):
        # an entry that asks for a message answers only a question about one ("wht does the line mean" is not
        # "what does this warning mean")
        matches = [m for m in matches if m.kind != "knowledge" or not base[m.name].asks_back]
    leader = matches[0] if matches and not weak(matches) else None  # clearly ahead, though below the minimum
    close = [m for m in matches if m.kind == "knowledge" and (m.score >= KNOWLEDGE_MIN or m is leader)]
    close = _told_first(_of_the_view_shown(close, shown), matches, reading)
    if close and (card is None or close[0].score >= tool_score):  # beside a figure, only what is asked more
        found.append(close[0].name)
        found += [m.name for m in close[1:2] if m.score >= close[0].score - BOTH_MARGIN / 2]
    if not pasted_error and found and unnamed_message(base[found[0]], reading):
        # "I got a warning when I loaded the model": which one? the entry that asks for it, when it is close
        asking = [m.name for m in matches if m.kind == "knowledge" and base[m.name].asks_back and m.score >= ASK_BELOW]
        if asking:
            return (asking[0],)
    if card is None and not pasted_error and found and base[found[0]].asks_back and asked \
            and SPEAKS_OF_A_MESSAGE.search(reading.plain) \
            and all(base[name].asks_back or unnamed_message(base[name], reading) for name in asked):
        return (found[0],)  # "… a warning showed up. what does it mean??": the clause names no message either
    if pasted or asked or (found and not base[found[0]].asks_back):
        found = [name for name in found if not base[name].asks_back]  # it was pasted, or something else fits better
    return tuple(dict.fromkeys(found))[:MAX_KNOWLEDGE]


def _of_the_view_shown(close: list[Match], shown: str | None) -> list[Match]:
    """The entries nearly as close as the closest, one about the view just shown first: "why does it look like a
    staircase with blank cells on the right?" after a generation is about generating, not about averaging heads."""
    about = [m for m in close if shown in knowledge()[m.name].tools and m.score >= close[0].score - SHOWN_REACH]
    return [*about[:1], *(m for m in close if m not in about[:1])] if close else close


def _told_first(close: list[Match], matches: list[Match], reading: Reading) -> list[Match]:
    """The entries near the closest whose telling keyword the question says come first ("what does rollout tell me
    that one layer's heatmap can't?": rollout, not the entropy entry a little closer by meaning; 「ラベルが
    ずれている」: the shifted labels, not how to read a line chart)."""
    if not close:
        return close
    told = [m for m in matches if m.kind == "knowledge" and m.score >= max(ASK_BELOW, close[0].score - TOLD_REACH)
            and any(_says(word, reading.plain) for word in _telling_keywords().get(m.name, ()))]
    return [*told, *(m for m in close if m not in told)]


@cache
def _telling_keywords() -> dict[str, tuple[str, ...]]:
    """Each entry's keywords that the examples of few cards and entries say ('rollout', 「豆腐」, 'add up to 1'),
    not those that questions about anything say ('heatmap', '[CLS]', 「折れ線」)."""
    examples = [(label, example.lower()) for label, example in all_examples()]
    def labels_saying(word: str) -> int:
        return len({label for label, example in examples if _says(word, example)})
    return {entry.id: tuple(word for word in {*entry.keywords_en, *entry.keywords_ja}
                            if labels_saying(word) <= TELLING_LABELS)
            for entry in knowledge().values() if not entry.asks_back}


def _says(word: str, text: str) -> bool:
    """A keyword in a lowercase text, a Latin one as a whole word ('norm' is not in 'normal')."""
    word = word.lower()
    if not word.isascii():
        return word in text
    return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text) is not None


def unnamed_message(entry: Entry, reading: Reading) -> bool:
    """The question speaks of a warning or error without its words: it says none of the entry's own specific
    keywords or message fragments ("I got a warning when loading the model" names no sdpa)."""
    return not entry.asks_back and bool(SPEAKS_OF_A_MESSAGE.search(reading.plain)) and not told(entry, reading)


_EXCEPTION_NAME = re.compile(r"[a-z]+(?:error|exception)", re.I)


def told(entry: Entry, reading: Reading) -> bool:
    """The question says one of the entry's own specific keywords or message fragments: which message is told
    ("… the encode_plus error"); an entry about no message at all tells none."""
    # (a word that only speaks of a message tells none, "warning"; an exception's name does, "IndexError")
    specific = [word for word in (*_telling_keywords().get(entry.id, ()), *entry.messages)
                if not SPEAKS_OF_A_MESSAGE.search(word) or _EXCEPTION_NAME.fullmatch(word)]
    # (a new message after a fix tells none: "… like you said, my cell gives a different error now")
    return bool(entry.messages) and any(word.lower() in reading.plain for word in specific) \
        and not _NEW_MESSAGE.search(reading.plain)



def about_the_view(question: str, context: Context, card: Card | None) -> tuple[str, ...]:
    """A why-question just below the minimum, asked about the figure just drawn ("why are some cells in that
    figure blank?" after generation), or what it shows, however far by meaning ("hmm so what am I actually seeing
    here"): the closest entry on that figure's tool, rather than asking back."""
    what_is_shown = bool(literal.WHAT_IS_SHOWN.search(question))
    if card is not None or context.tool is None or not (asks_yes_no(mask_literals(question)) or what_is_shown):
        return ()
    base, alone = knowledge(), meaning_index().matches(question)[0]  # the question alone, not joined with the last
    return next(((m.name,) for m in alone if m.kind == "knowledge" and (m.score >= ASK_BELOW or what_is_shown)
                 and context.tool in base[m.name].tools and not base[m.name].asks_back), ())


def said_keyword(reading: Reading) -> str | None:
    """The entry whose longest keyword the question says (at least two words, eight characters, three Japanese
    characters or a special token in its brackets: "query, key", 「クエリ・キー」, 「が豆腐」, "<bos>"), if any."""
    said = reading.plain
    specific = [(word, entry.id) for entry in knowledge().values() if not entry.asks_back
                for word in (*entry.keywords_en, *entry.keywords_ja)
                if " " in word.strip() or len(word) >= 8 or not word.isascii() and len(word) >= 3
                or re.fullmatch(r"\[\w+\]|<\w+>", word)]
    found = [(len(word), name) for word, name in specific if word.lower() in said]
    return max(found)[1] if found else None


def shown_in_few_words(reading: Reading, sentence: str | None = None) -> tuple[str, ...]:
    """A message that says little but a keyword of an entry whose figure is the answer, and perhaps a view's name
    or a word of the conversation's `sentence` that points at its figure ("code", 「コードも」,
    「このヒートマップのコードを」, "the code for the umbrella one", 「傘の線のコード」)."""
    for entry in knowledge().values():
        said = [word.lower() for word in (*entry.keywords_en, *entry.keywords_ja) if word.lower() in reading.plain]
        if not entry.demonstrate or not said:
            continue
        rest = reading.plain
        for word in [*said, *(name for card in cards().values() for name in card.names)]:
            rest = rest.replace(word.lower(), " ")
        for word in re.findall(r"[a-z][\w'-]{2,}", (sentence or "").lower()):
            rest = re.sub(rf"(?<![\w'-]){re.escape(word)}(?![\w'-])", " ", rest)
        rest = re.sub(r"[\u4e00-\u9fff\u30a0-\u30ffー]+", lambda m: " " if sentence and m[0] in sentence else m[0],
                      rest)
        if bare(replace(reading, rest=rest)):
            return (entry.id,)
    return ()


def demonstrated(entry: Entry, question: str) -> bool:
    """An entry whose figure is the answer ("why does plt.plot draw 8 lines?": the 8 lines, labelled), asked in
    its own words (one of its keywords), not only near it ("which x labels for the line plot?")."""
    said = question.lower()
    return entry.demonstrate and any(word.lower() in said for word in (*entry.keywords_en, *entry.keywords_ja))


def asked_beside(question: str) -> bool:
    """After a pasted error, a line or sentence of the learner's own asks for a figure ("this fails: … can you
    just draw it for me for 'X'?", 「…って出ます。もういいので、gemmaで「…」のヒートマップを出して」); what comes
    before the error only introduces it ("when I plot it myself I get")."""
    pasted = False
    for piece in re.split(r"\n|(?<=[。！？!?])|(?<=\.)\s+", question):
        if literal.ERROR_LINE.search(piece) or pasted_messages(piece) or piece.startswith((" ", "\t")):
            pasted = True
        elif pasted and asks_to_see(mask_literals(piece)):
            return True
    return False


def pasted_messages(question: str) -> tuple[str, ...]:
    """Entries whose error or warning message the question quotes (a literal: matched as written)."""
    text = question.lower()
    found = tuple(entry.id for entry in knowledge().values()
                  if any(fragment in text for fragment in getattr(entry, "messages", ())))
    # (an empty tuple under sdpa fails at any index; one past the last layer fails under eager too: "attentions[18]
    # on gemma-270m … IndexError: tuple index out of range" is a layer that does not exist, first)
    past_the_end = _A_LATE_LAYER.search(text)
    if past_the_end and int(past_the_end[1]) >= FEWEST_LAYERS and OUT_OF_RANGE in knowledge() and found:
        found = (OUT_OF_RANGE, *(entry for entry in found if entry != OUT_OF_RANGE))
    return found


_A_LATE_LAYER = re.compile(r"attentions\s*\[\s*(\d+)\s*\]")
FEWEST_LAYERS = 6  # minilm's, the fewest of the built-in models: any index from here may be past the last layer
OUT_OF_RANGE = "index_out_of_range"
