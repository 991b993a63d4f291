"""Letters: the formal submission of an adopted demand to its council — bilingual PDF, signatory annex,
four-eyes approval, public verification, delivery by email or by hand."""
