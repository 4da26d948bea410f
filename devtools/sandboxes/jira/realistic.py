"""Seed the sandbox from the shared realistic generator (``devtools.generator``).

Each generated complaint is rendered as a complete Jira issue (Cloud: ADF bodies, account ids,
``jsdPublic``; Data Center: wiki bodies, user keys) and split into what the sandbox keeps:
fields, changelog histories, comments (with JSM's ``sd.public.comment`` property) and issue
properties. Agents get sandbox log-ins so the demo can act as one of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from devtools.generator import GeneratorConfig, generate
from devtools.generator.jira_render import cloud_user, dc_user, issue_payload
from devtools.generator.people import AGENT_PEOPLE


@dataclass
class RealisticData:
    issues: list[Any] = field(default_factory=list)  # SandboxIssue
    #: User objects by account id (Cloud) or user key (Data Center), for authors we write.
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Agent log-in (Cloud e-mail, Data Center user name) -> account id / user key.
    agents: dict[str, str] = field(default_factory=dict)
    #: The custom fields the changelogs change (id -> display name), for the ``/field`` list.
    custom_fields: dict[str, str] = field(default_factory=dict)


def _account(user: dict[str, Any]) -> str:
    return str(user.get("accountId") or user["key"])


def realistic_issues(config: GeneratorConfig, *, data_center: bool = False) -> RealisticData:
    """The sandbox's issues (project CS, as ``mappings/jira.yaml`` expects) for ``config``."""
    from devtools.sandboxes.jira.model import SandboxIssue

    out = RealisticData()
    for person in AGENT_PEOPLE:
        shown = dict(dc_user(person) if data_center else cloud_user(person))
        out.people[_account(shown)] = shown
        out.agents[str(shown["name"]) if data_center else person.email] = _account(shown)
    for complaint in generate(config):
        issue = issue_payload(complaint, data_center=data_center)
        fields = dict(issue["fields"])
        comments = fields.pop("comment")["comments"]  # with properties: the stored form
        for history in issue["changelog"]["histories"]:
            for item in history["items"]:
                if item.get("fieldtype") == "custom" and item.get("fieldId"):
                    out.custom_fields[str(item["fieldId"])] = str(item["field"])
        out.issues.append(SandboxIssue(
            id=str(issue["id"]), key=str(issue["key"]), fields=fields,
            histories=list(issue["changelog"]["histories"]), comments=comments,
            properties=dict(issue.get("properties") or {}),
        ))
    return out
