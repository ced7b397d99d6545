// A word's reading: its parts' syllables as kana, and every common way of
// typing each syllable (Hepburn, Kunrei-shiki, what input methods accept,
// and the kana themselves), so that a learner's answer can be followed part
// by part as it is typed.

const ROWS = {
  "": "あいうえお", k: "かきくけこ", s: "さしすせそ", t: "たちつてと", n: "なにぬねの",
  h: "はひふへほ", m: "まみむめも", y: "や ゆ よ", r: "らりるれろ", w: "わ   を",
  g: "がぎぐげご", z: "ざじずぜぞ", d: "だぢづでど", b: "ばびぶべぼ", p: "ぱぴぷぺぽ",
};
const HEPBURN = { si: "shi", ti: "chi", tu: "tsu", hu: "fu", zi: "ji", di: "dji", du: "dzu" };
const SMALL_Y = { a: "ゃ", u: "ゅ", o: "ょ" };
const Y_ROWS = { k: "き", g: "ぎ", n: "に", h: "ひ", b: "び", p: "ぴ", m: "み", r: "り" };
const Y_SPECIAL = { sh: "し", j: "じ", ch: "ち" };

// Hepburn syllable -> hiragana
const KANA = { n: "ん" };
for (const [consonant, kana] of Object.entries(ROWS)) {
  [..."aiueo"].forEach((vowel, index) => {
    if (kana[index] === " ") return;
    const syllable = consonant + vowel;
    KANA[HEPBURN[syllable] || syllable] = kana[index];
  });
}
for (const [vowel, small] of Object.entries(SMALL_Y)) {
  for (const [consonant, kana] of Object.entries(Y_ROWS)) KANA[`${consonant}y${vowel}`] = kana + small;
  for (const [consonant, kana] of Object.entries(Y_SPECIAL)) KANA[consonant + vowel] = kana + small;
}
Object.assign(KANA, { fa: "ふぁ", fi: "ふぃ", fe: "ふぇ", fo: "ふぉ", she: "しぇ", je: "じぇ", che: "ちぇ" });

// Other spellings of a Hepburn syllable that mean the same kana.
const OTHER_SPELLINGS = {
  shi: ["si", "ci"], chi: ["ti"], tsu: ["tu"], fu: ["hu"], ji: ["zi"],
  sha: ["sya"], shu: ["syu"], sho: ["syo"], cha: ["tya", "cya"], chu: ["tyu", "cyu"], cho: ["tyo", "cyo"],
  ja: ["zya", "jya"], ju: ["zyu", "jyu"], jo: ["zyo", "jyo"], n: ["nn", "n'", "xn"],
};
// A long vowel may be written as its partner (ou/oo, ei/ee), a dash or ー.
const LONG_VOWEL_PARTNERS = { aa: ["a"], ii: ["i"], uu: ["u"], ee: ["e", "i"], ei: ["i", "e"], oo: ["o", "u"], ou: ["u", "o"] };
const SMALL_TSU = ["xtu", "ltu", "xtsu", "ltsu", "っ"];
const MACRONS = { ā: "aa", ī: "ii", ū: "uu", ē: "ee", ō: "oo", â: "aa", î: "ii", û: "uu", ê: "ee", ô: "oo" };

// The first half of a doubled consonant (gakkou: ga-k-ko-u), written っ.
const isDoubling = (syllable) => /^[bcdfghjkmprstvwz]$/.test(syllable);

export function toKana(syllable) {
  if (KANA[syllable]) return KANA[syllable];
  if (isDoubling(syllable)) return "っ";
  return syllable;
}

const unique = (items) => [...new Set(items)];

function spellingsOf(syllables, index) {
  const syllable = syllables[index];
  if (isDoubling(syllable)) {
    const next = syllables[index + 1] ? spellingsOf(syllables, index + 1) : [syllable];
    const starts = next.filter((s) => /^[a-z]/.test(s)).map((s) => s[0]);
    const tch = next.some((s) => s.startsWith("ch")) ? ["t"] : [];
    return unique([syllable, ...starts, ...tch, ...SMALL_TSU]);
  }
  const spellings = [syllable, ...(OTHER_SPELLINGS[syllable] || []), toKana(syllable)];
  const previous = syllables[index - 1] || "";
  const partners = /^[aiueo]$/.test(syllable) ? LONG_VOWEL_PARTNERS[previous.slice(-1) + syllable] : null;
  if (partners) {
    spellings.push(...partners, ...partners.map(toKana), "-", "ー");
  }
  return unique(spellings);
}

// One unit per syllable: { part, romaji, kana, spellings }.
export function readingUnits(word) {
  const syllables = [];
  const partOf = [];
  word.parts.forEach((part, partIndex) => {
    for (const syllable of part.romaji) {
      syllables.push(syllable);
      partOf.push(partIndex);
    }
  });
  return syllables.map((romaji, index) => ({
    part: partOf[index], romaji, kana: toKana(romaji), spellings: spellingsOf(syllables, index),
  }));
}

export function partKana(part) {
  return part.romaji.map(toKana).join("");
}

export function kanaOf(word) {
  return word.kana || word.parts.map(partKana).join("");
}

function toHiragana(text) {
  return text.replace(/[\u30a1-\u30f6]/g, (katakana) => String.fromCharCode(katakana.charCodeAt(0) - 0x60));
}

// What was typed, in the forms the spellings use.
export function normalise(typed) {
  const text = toHiragana(typed.normalize("NFKC").toLowerCase()).replace(/\s+/g, "");
  return text.replace(/[āīūēōâîûêô]/g, (vowel) => MACRONS[vowel]);
}

// How far `typed` follows the reading: `done` units are typed in full,
// `valid` says whether all of it fits the reading so far, and `complete`
// whether it is the whole reading.
export function follow(units, typed) {
  const text = normalise(typed);
  const memo = new Map();
  const better = (a, b) => (a.complete !== b.complete ? a.complete : a.valid !== b.valid ? a.valid : a.done > b.done);
  function walk(index, position) {
    const key = `${index}:${position}`;
    if (memo.has(key)) return memo.get(key);
    let best = { done: index, valid: false, complete: false };
    if (position === text.length) {
      best = { done: index, valid: true, complete: index === units.length };
    } else if (index < units.length) {
      const rest = text.slice(position);
      for (const spelling of units[index].spellings) {
        let found = null;
        if (rest.startsWith(spelling)) found = walk(index + 1, position + spelling.length);
        else if (spelling.startsWith(rest)) found = { done: index, valid: true, complete: false };
        if (found && better(found, best)) best = found;
      }
    }
    memo.set(key, best);
    return best;
  }
  return walk(0, 0);
}

export function isRight(word, units, typed) {
  if (follow(units, typed).complete) return true;
  return Boolean(word.kana) && normalise(typed) !== "" && normalise(typed) === normalise(word.kana);
}
