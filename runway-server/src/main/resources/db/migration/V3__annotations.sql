-- Annotations a job's steps raised (::error::, ::warning::, ::notice::), as a JSON list.
ALTER TABLE jobs ADD COLUMN annotations TEXT;
