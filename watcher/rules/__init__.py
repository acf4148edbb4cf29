"""Watchlists: analyst-written YAML rule files, validated and compiled once."""

from watcher.rules.loader import CheckReport, check_rules, load_rules, rule_files
from watcher.rules.model import ENTITY_KINDS, AlertPolicy, Entity, RuleSet, Topic, Watchlist

__all__ = [
    "ENTITY_KINDS",
    "AlertPolicy",
    "CheckReport",
    "Entity",
    "RuleSet",
    "Topic",
    "Watchlist",
    "check_rules",
    "load_rules",
    "rule_files",
]
