-- The narrative of a notification (when, where, what was seen, how it was found), as a JSON object stored
-- only encrypted like the subject's name: the text is checked for personal data when it is typed, but a
-- person's description may still identify someone. Null for cases started without one (the API's older clients).
ALTER TABLE cases ADD COLUMN narrative_protected text;
