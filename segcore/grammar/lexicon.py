"""The fixed words of the segment language (SPEC "What words mean"): everything that is not catalog data.

Field words, values and aliases come from the catalog (``vocabulary.py``); this module holds the words
every workspace shares: comparatives, amounts, time units, connectives, negations and polite fillers.
"""

from __future__ import annotations

# Comparatives written before a number: phrase -> (op, field hint). SPEC: "more than" is strict, "at least"
# inclusive, and so on. "then" for "than" is a typo the SPEC asks us to forgive.
PRE_COMPARATORS: dict[str, tuple[str, str | None]] = {}
for _op, _phrases in {
    "gt": "more than|more then|over|above|greater than|greater then|exceeding|exceeds|exceed|higher than|"
    "bigger than|larger than|in excess of|upwards of|>|gt|beyond|north of|more than over|morethan|greaterthan",
    "gte": "at least|atleast|minimum|minimum of|a minimum of|min|no less than|not less than|no fewer than|"
    "not fewer than|>=|=>|≥|gte|greater than or equal to|more than or equal to|at the least|not below|"
    "not under|no lower than|not lower than|equal to or more than|equal to or greater than|greater than or equal|"
    "no less then",
    "lt": "less than|less then|under|below|fewer than|fewer then|lower than|smaller than|<|lt|beneath|lessthan",
    "lte": "at most|atmost|up to|upto|no more than|not more than|maximum|maximum of|a maximum of|max|<=|=<|≤|"
    "lte|not over|not above|no higher than|less than or equal to|no greater than|not greater than|not exceeding|"
    "no more then|not higher than|does not exceed|doesn't exceed|not in excess of|equal to or less than|"
    "less than or equal|fewer than or equal to",
    "eq": "exactly|equal to|equals|=|==|eq|precisely|is exactly|of exactly",
    "ne": "other than|not equal to|!=|≠|<>|ne|anything but",
}.items():
    for _p in _phrases.split("|"):
        PRE_COMPARATORS[_p] = (_op, None)
for _p, _v in {
    "older than": ("gt", "age"),
    "older then": ("gt", "age"),
    "younger than": ("lt", "age"),
    "younger then": ("lt", "age"),
    "over the age of": ("gt", "age"),
    "above the age of": ("gt", "age"),
    "under the age of": ("lt", "age"),
    "below the age of": ("lt", "age"),
    "at least the age of": ("gte", "age"),
}.items():
    PRE_COMPARATORS[_p] = _v

# Comparatives written after a number: "5 or more", "₹5,000+".
POST_COMPARATORS: dict[str, tuple[str, str | None]] = {}
for _p in ("+", "or more", "or above", "or higher", "or greater", "and above", "and up", "and over", "and more",
           "plus", "or over", "and upwards", "or upwards", "or plus", "and higher", "at least"):
    POST_COMPARATORS[_p] = ("gte", None)
for _p in ("exactly", "precisely"):
    POST_COMPARATORS[_p] = ("eq", None)
for _p in ("or less", "or fewer", "or below", "or under", "and below", "and under", "or lower", "and less",
           "and fewer", "or lesser", "at most", "or smaller"):
    POST_COMPARATORS[_p] = ("lte", None)
for _p in ("or older", "and older", "years or older", "years and older", "years old or older"):
    POST_COMPARATORS[_p] = ("gte", "age")
for _p in ("or younger", "and younger", "years or younger", "years and younger", "years old or younger"):
    POST_COMPARATORS[_p] = ("lte", "age")

MULTIPLIERS: dict[str, int] = {
    "k": 10**3, "thousand": 10**3, "thousands": 10**3, "hundred": 100, "hundreds": 100,
    "lakh": 10**5, "lakhs": 10**5, "lac": 10**5, "lacs": 10**5, "l": 10**5, "lk": 10**5, "lakh's": 10**5,
    "crore": 10**7, "crores": 10**7, "cr": 10**7, "crs": 10**7,
    "million": 10**6, "millions": 10**6, "mn": 10**6, "m": 10**6, "mil": 10**6, "grand": 10**3,
    "billion": 10**9, "bn": 10**9,
}
# Lakh and crore are money words in Indian English: "spent 2 lakh" needs no rupee sign.
MONEY_MULTIPLIERS = frozenset({"lakh", "lakhs", "lac", "lacs", "l", "lk", "lakh's", "crore", "crores", "cr", "crs"})
CURRENCY_BEFORE = frozenset({"₹", "rs", "inr", "rs.", "rupees", "r$"})
CURRENCY_AFTER = frozenset({"rupees", "rupee", "inr", "rs", "₹", "bucks"})

NUMBER_WORDS: dict[str, int] = {
    "zero": 0, "nil": 0, "nothing": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "dozen": 12, "a dozen": 12, "hundred": 100, "a hundred": 100, "a thousand": 1000, "single": 1, "a single": 1,
}
# "twenty five", "twenty-five": the tens and a unit written as words.
for _tens in ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"):
    for _unit_word in ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine"):
        _sum = NUMBER_WORDS[_tens] + NUMBER_WORDS[_unit_word]
        NUMBER_WORDS[f"{_tens} {_unit_word}"] = _sum
        NUMBER_WORDS[f"{_tens}-{_unit_word}"] = _sum
# Only in durations: "a month ago", "a couple of weeks".
DURATION_COUNT_WORDS: dict[str, int] = {"a": 1, "an": 1, "one": 1, "a couple of": 2, "couple of": 2,
                                        "a couple": 2, "a single": 1, "single": 1}
TIMES_WORDS: dict[str, int] = {"once": 1, "twice": 2, "thrice": 3}
TIMES_SUFFIX = frozenset({"times", "time", "x"})

UNITS: dict[str, str] = {}
for _unit, _words in {
    "day": "day|days|d|dys",
    "week": "week|weeks|wk|wks|w",
    "month": "month|months|mo|mos|mth|mths|mnth|mnths|months'",
    "quarter": "quarter|quarters|qtr|qtrs",
    "year": "year|years|yr|yrs|y",
}.items():
    for _w in _words.split("|"):
        UNITS[_w] = _unit
FORTNIGHT = frozenset({"fortnight", "fortnights"})

MONTHS: dict[str, int] = {}
for _i, _names in enumerate(
    ["january|jan", "february|feb", "march|mar", "april|apr", "may", "june|jun", "july|jul",
     "august|aug", "september|sep|sept", "october|oct", "november|nov", "december|dec"], start=1):
    for _n in _names.split("|"):
        MONTHS[_n] = _i
ORDINAL_SUFFIX = frozenset({"st", "nd", "rd", "th"})

# Words that introduce a date: (kind). "since" includes its date, "after" is after the whole period.
DATE_PREPS: dict[str, str] = {
    "before": "before", "prior to": "before", "earlier than": "before", "until": "until", "till": "until",
    "til": "until", "up to": "until", "upto": "until", "through": "until", "thru": "until",
    "on or before": "until", "by": "until", "in or before": "until", "during or before": "until",
    "in or after": "since", "during or after": "since",
    "after": "after", "later than": "after",
    "since": "since", "from": "from", "starting": "since", "starting from": "since", "starting on": "since",
    "on or after": "since", "as of": "since", "beginning": "since",
    "in": "on", "during": "on", "on": "on", "of": "on", "within": "on", "in the month of": "on",
    "in the year": "on", "in the year of": "on", "in calendar year": "on", "in the calendar year": "on",
    "during calendar year": "on", "during the calendar year": "on", "in year": "on",
}
BETWEEN_WORDS = frozenset({"between", "from"})
RANGE_JOINERS = frozenset({"and", "to", "-", "until", "till", "through", "thru", "&"})

# Connectives and structure.
AND_WORDS = frozenset({"and", "but", "&", "also", "plus", "as well as", "and also", "but also", "yet",
                       "while", "whilst", "although", "though", "and who", "and that", "and are", "and have",
                       "and has"})
# "either" is not a connective: "either vip or beta" has one "or", and "users that are either pro or
# enterprise" would otherwise split off "users that are" as a side of its own.
BUT_WORDS = frozenset({"but", "but also", "yet", "while", "whilst", "although", "though", "however"})
OR_WORDS = frozenset({"or", "|", "/", "or else", "and/or"})
REL_WORDS = frozenset({"who", "that", "which", "whose", "with", "having", "where", "whom", "w/"})
NEGATIONS = frozenset({
    "not", "no", "never", "without", "haven't", "havent", "hasn't", "hasnt", "have not", "has not",
    "didn't", "didnt", "did not", "don't", "dont", "do not", "doesn't", "doesnt", "does not", "isn't",
    "isnt", "is not", "aren't", "arent", "are not", "wasn't", "weren't", "was not", "were not", "hadn't",
    "had not", "outside", "outside of", "except", "excluding", "exclude", "other than", "not in",
    "none", "neither", "nor", "non", "n't", "cannot", "can't", "not yet", "yet to", "w/o",
    "apart from", "but not", "except for", "not from", "excluding those", "never ever",
    "not been", "haven't been", "hasn't been", "have never", "has never", "havn't",
    # "everyone but free users": "but" after everyone excludes rather than joins.
    "everyone but", "everybody but", "anyone but", "all but", "everyone except", "everybody except",
    "anyone except", "everyone other than", "except those", "except for those", "excluding all",
    "except those who", "except those that", "except for those who", "excluding those who", "excluding those that",
    "except people who", "except users who", "except customers who", "except anyone who", "other than those who",
    "apart from those who", "but not those who", "but not the ones who", "except the ones who",
    "excluding people who", "excluding users who", "excluding customers who", "excluding anyone who",
})
NEGATIONS = NEGATIONS | frozenset(
    f"{head} {word} {who}"
    for head in ("everyone", "everybody", "anyone", "all", "all users", "all customers", "users", "customers")
    for word in ("except", "but", "excluding", "other than", "except for", "apart from")
    for who in ("those who", "those that", "people who", "the ones who", "anyone who", "users who", "customers who")
)
# Words that carry no condition: wrappers, articles, group nouns (SPEC: "users" means everyone).
GROUP_NOUNS = frozenset({
    "users", "user", "customers", "customer", "people", "person", "persons", "shoppers", "shopper",
    "buyers", "buyer", "members", "member", "accounts", "account", "everyone", "everybody", "anyone",
    "anybody", "clients", "client", "folks", "subscribers", "subscriber",
    "audience", "segment", "cohort", "list", "ones", "those", "them", "individuals", "profiles", "contacts",
    "consumers", "consumer", "all", "somebody", "someone", "records", "record", "guys", "patrons", "leads",
    "ppl", "peeps",
})
FILLERS = frozenset({
    "show", "me", "show me", "show us", "give me", "give us", "get me", "get", "find", "find me", "list",
    "list out", "pull", "pull up", "fetch", "give", "display", "can you", "could you", "would you",
    "please", "pls", "plz", "kindly", "i", "i'd", "i'm", "we", "we'd", "want", "need", "like to", "would",
    "like to see", "let's", "lets", "see", "a", "an", "the", "of", "all", "any", "some", "every", "each",
    "how many", "how much", "count", "number of", "the number of", "total number of", "are", "is", "am",
    "be", "been", "being", "was", "were", "have", "has", "had", "do", "does", "did", "to", "for", "their",
    "they", "them", "there", "here", "at", "ever", "currently", "current", "now", "right now", "still",
    "also", "just", "only", "who", "whose", "that", "which", "make", "create", "build", "a segment of",
    "segment of", "a list of", "list of", "an audience of", "audience of", "target", "targeting", "select",
    "made", "total", "overall", "in total", "lifetime", "so far", "till date", "to date", "our", "my", "your",
    "its", "it", "this", "these", "what", "how", "many", "much", "and/or", "?", "!", ".", "-", "'", "…",
    "data", "please show", "hey", "hi", "ok", "okay", "so", "then", "thanks", "thank you", "can", "could",
    "will", "shall", "should", "may i", "get all", "find all", "show all", "want to see", "looking for",
    "look for", "search", "search for", "query", "return", "with a", "having a", "by", "whole", "entire",
    "altogether", "whom", "such", "as", "such as", "about", "roughly", "around", "approximately",
    "approx", "basically", "really", "actually", "literally", "someone", "based", "located", "living",
    "lives", "live", "residing", "resident", "residents", "staying", "stays", "person", "from", "in", "on", "within", "belonging to", "belong to", "belongs to", "come from", "comes from", "coming from",
    "whose is", "within the", "who've", "who's", "who'd", "they've", "that've", "that's", "we've", "i've",
    "you've", "it's", "there's", "they're", "who're", "something", "anything", "stuff", "items", "item", "products", "product",
    "things", "placed", "place", "done", "did any",
    "either", "anywhere", "let me", "let me see", "let me know", "tell me", "tell", "list down", "send me",
    "send", "export", "download", "what's", "whats", "what is", "what are", "size", "size of", "the size of",
    "thx", "thanks a lot", "tia", "cheers", "do we have", "we have", "there are", "quick", "quickly",
    "could you please", "can you please", "i need", "both", "check", "help me", "help", "generate", "how big",
    "how large", "love to know", "i'd love to", "know", "yo", "asap", "frm", "look like", "looks like",
    "figure out", "work out", "u", "can u", "could u", "would u", "can u pls", "ya", "pls find", "plz find", "with us", "to us", "by us", "money", "range", "in the range of", "in the range", "range of", "identify", "pick", "grab", "retrieve", "extract", "view", "lookup", "look up",
})
# Prepositions that mark a place or a plan before a value: "in Pune", "from India", "on the free tier".
LOCATORS = frozenset({"in", "from", "at", "on", "based in", "lives in", "living in", "located in", "residing in",
                      "staying in", "who live in", "within", "of", "based out of", "out of", "near", "around"})


def is_reserved(text: str) -> bool:
    """Is this text also one of the fixed words? Rendering quotes such values ("IN" is also "in")."""
    low = text.lower()
    return low in _RESERVED


_RESERVED = frozenset().union(
    FILLERS, GROUP_NOUNS, LOCATORS, NEGATIONS, AND_WORDS, OR_WORDS, REL_WORDS, PRE_COMPARATORS,
    POST_COMPARATORS, UNITS, MONTHS, NUMBER_WORDS, MULTIPLIERS, DATE_PREPS, CURRENCY_BEFORE, CURRENCY_AFTER,
    TIMES_WORDS, TIMES_SUFFIX, {"last", "this", "past", "today", "yesterday", "between", "ago", "true", "false",
                                "yes", "tagged", "paid", "paying", "non"},
)
