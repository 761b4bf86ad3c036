"""PII detectors: payment cards, IBANs, national ids, emails, phone numbers, custom patterns."""
