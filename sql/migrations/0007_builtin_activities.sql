-- The study activities the API serves itself, under /activities/<slug>/.
--
-- Activities are found by their slug (a page looks its own id up by it), and
-- an activity whose app does not exist is kept for its sessions' history but
-- retired: not listed, and not launched. Stored URLs of the built-in ones are
-- relative; the API answers them absolute, from the host that serves it.
ALTER TABLE study_activities ADD COLUMN slug TEXT CHECK (slug <> '' AND slug NOT GLOB '*[^a-z0-9-]*');
ALTER TABLE study_activities ADD COLUMN retired INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1));
CREATE UNIQUE INDEX study_activities_by_slug ON study_activities (slug);

-- An existing database: Typing Tutor keeps its id and history and now opens
-- the built-in tutor; Flashcards joins it. A new database is empty here and
-- gets both from the seed, in the seed's order.
UPDATE study_activities
SET slug = 'typing-tutor', url = '/activities/typing-tutor/', preview_url = '/activities/typing-tutor/preview.png',
    description = 'Type the reading of each word shown in kanji, in romaji or kana, part by part: each part turns green as you get it right.'
WHERE name = 'Typing Tutor';

INSERT INTO study_activities (name, slug, url, preview_url, description)
SELECT 'Flashcards', 'flashcards', '/activities/flashcards/', '/activities/flashcards/preview.png',
       'The words due for review, then new ones: recall the reading and meaning, reveal the card and grade yourself Again, Hard, Good or Easy.'
WHERE EXISTS (SELECT 1 FROM study_activities)
  AND NOT EXISTS (SELECT 1 FROM study_activities WHERE name = 'Flashcards' OR slug = 'flashcards');

-- Writing Practice pointed at an app nobody ships (and so did Typing Tutor's
-- old address): nothing answers there, so it is no longer offered.
UPDATE study_activities SET slug = 'writing-practice' WHERE name = 'Writing Practice';
UPDATE study_activities SET retired = 1
WHERE url IN ('http://localhost:8080', 'http://localhost:8081') OR name = 'Writing Practice';
