"""System prompts and the bilingual knowledge base, as package data."""
