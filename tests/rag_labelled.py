"""Labelled questions for the sample knowledge base (rag/sample_kb): which article answers each.

Used by the retrieval-quality tests and `bench/query_folding.py`. Questions are phrased as a
caller would say them, mostly without the article's own words.
"""

from __future__ import annotations

KB = "https://help.northwind.example/"
SHIPPING, RETURNS, PAYMENTS, ACCOUNTS, TROUBLE, WARRANTY = (
    KB + "shipping",
    KB + "returns",
    KB + "payments",
    KB + "accounts",
    KB + "troubleshooting",
    KB + "warranty",
)

QUESTIONS: list[tuple[str, str]] = [
    ("How long does standard delivery take?", SHIPPING),
    ("Is shipping free if I spend more than fifty dollars?", SHIPPING),
    ("Can you ship overnight to Hawaii?", SHIPPING),
    ("Do you deliver to Canada and will I pay customs duties?", SHIPPING),
    ("My parcel says delivered but I never got it", SHIPPING),
    ("The box arrived damaged, what should I do?", SHIPPING),
    ("Can I change the delivery address after ordering?", SHIPPING),
    ("How many days do I have to return something?", RETURNS),
    ("Can I return a mattress I have slept on?", RETURNS),
    ("When will I get my refund?", RETURNS),
    ("How much does a return label cost?", RETURNS),
    ("I want to exchange a lamp for a different colour", RETURNS),
    ("Can I return a gift without the buyer knowing?", RETURNS),
    ("Do you take Apple Pay or PayPal?", PAYMENTS),
    ("Why was my card declined?", PAYMENTS),
    ("I was charged twice for the same order", PAYMENTS),
    ("Can I pay in monthly instalments?", PAYMENTS),
    ("Can I use two promo codes on one order?", PAYMENTS),
    ("The price dropped a week after I bought it, can I get the difference back?", PAYMENTS),
    ("Do gift cards expire?", PAYMENTS),
    ("I forgot my password and the reset email never came", ACCOUNTS),
    ("My account is locked after too many attempts", ACCOUNTS),
    ("I lost my phone and can't do two-step verification", ACCOUNTS),
    ("How do I cancel my Northwind Plus membership?", ACCOUNTS),
    ("Please delete my account and my personal data", ACCOUNTS),
    ("How do I stop the marketing emails?", ACCOUNTS),
    ("The app will not load on my phone", TROUBLE),
    ("Items keep disappearing from my basket", TROUBLE),
    ("I get an error at checkout every time", TROUBLE),
    ("I never received an order confirmation email", TROUBLE),
    ("Can I cancel the order I placed ten minutes ago?", TROUBLE),
    ("A screw is missing from my bookshelf kit", TROUBLE),
    ("My Glow smart lamp won't connect to the wifi", TROUBLE),
    ("What does the warranty cover?", WARRANTY),
    ("My sofa frame cracked after two years, is that covered?", WARRANTY),
    ("How do I make a warranty claim?", WARRANTY),
    ("How should I clean the fabric on my couch?", WARRANTY),
]

# (previous user question, short follow-up, the article that answers the follow-up)
FOLLOW_UPS: list[tuple[str, str, str]] = [
    ("How long does standard shipping take?", "And to Alaska?", SHIPPING),
    ("How long does standard shipping take?", "what about overnight?", SHIPPING),
    ("What is your return window?", "and for members?", RETURNS),
    ("What is your return window?", "What about mattresses?", RETURNS),
    ("How long do refunds take?", "and with PayPal?", RETURNS),
    ("Which payment methods do you accept?", "Cryptocurrency too?", PAYMENTS),
    ("Can I pay in instalments with Affirm?", "what's the minimum?", PAYMENTS),
    ("How do I reset my password?", "how long is it valid?", ACCOUNTS),
    ("How much is Northwind Plus?", "can I get a refund?", ACCOUNTS),
    ("My smart lamp won't connect", "and if that fails?", TROUBLE),
    ("How long is the warranty?", "and for mattresses?", WARRANTY),
    ("Is there a warranty on furniture frames?", "what isn't covered?", WARRANTY),
    ("Do you ship to the UK?", "how long does it take?", SHIPPING),
    ("Can I cancel my order?", "and after an hour?", TROUBLE),
]
