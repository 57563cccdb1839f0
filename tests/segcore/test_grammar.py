"""The grammar on phrasings beyond the shared examples: exact readings, the same users as a reference
filter on the sample data, refusals that name the words not understood, the hand-typed syntax, custom
catalog fields, and the assumptions shown to the marketer.

``now`` is 2026-11-24T12:00:00Z (a Tuesday) throughout, as in the shared examples.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from segcore import (
    Condition,
    Field,
    ParseRefusal,
    RuleError,
    default_catalog,
    describe,
    rule_to_json,
    to_mongo_filter,
)
from segcore.grammar import parse

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CATALOG = default_catalog()


def read(text: str, catalog: Any = CATALOG) -> dict[str, Any]:
    return rule_to_json(parse(text, catalog, NOW).rule)


# Each phrasing with the rule it must read as (reviewed against SPEC "What words mean").
READINGS = [
    ('"vip" users', {'field': 'tags', 'op': 'has', 'value': 'vip'}),
    ('(vip or beta) and spent > 5k', {'all': [{'field': 'tags', 'op': 'has_any', 'value': ['vip', 'beta']}, {'field': 'total_spend', 'op': 'gt', 'value': 5000}]}),
    ('(visits > 50 or orders > 5) and city = Pune', {'all': [{'any': [{'field': 'visits', 'op': 'gt', 'value': 50}, {'field': 'orders', 'op': 'gt', 'value': 5}]}, {'field': 'city', 'op': 'eq', 'value': 'Pune'}]}),
    ('10 to 20 visits', {'field': 'visits', 'op': 'between', 'value': [10, 20]}),
    ('2 orders', {'field': 'orders', 'op': 'eq', 'value': 2}),
    ('3 orders or fewer', {'field': 'orders', 'op': 'lte', 'value': 3}),
    ('30 years old', {'field': 'age', 'op': 'eq', 'value': 30}),
    ('35 years old', {'field': 'age', 'op': 'eq', 'value': 35}),
    ('Bangalore based users', {'field': 'city', 'op': 'eq', 'value': 'Bengaluru'}),
    ('How many people visited in the last week?', {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 1, 'unit': 'week'}}),
    ('Indian users', {'field': 'country', 'op': 'eq', 'value': 'IN'}),
    ('LTV > 1 crore', {'field': 'total_spend', 'op': 'gt', 'value': 10000000}),
    ('LTV above 50k', {'field': 'total_spend', 'op': 'gt', 'value': 50000}),
    ('Mumbai users with more than 5 orders', {'all': [{'field': 'city', 'op': 'eq', 'value': 'Mumbai'}, {'field': 'orders', 'op': 'gt', 'value': 5}]}),
    ('NOT tagged vip', {'field': 'tags', 'op': 'has_none', 'value': ['vip']}),
    ('Pune customers who are vip', {'all': [{'field': 'city', 'op': 'eq', 'value': 'Pune'}, {'field': 'tags', 'op': 'has', 'value': 'vip'}]}),
    ('Show me all the users who are from Bangalore and have more than 3 orders.', {'all': [{'field': 'city', 'op': 'eq', 'value': 'Bengaluru'}, {'field': 'orders', 'op': 'gt', 'value': 3}]}),
    ("Show me customers from Pune who have spent more than ₹10,000 but haven't ordered in the last 2 months", {'all': [{'field': 'city', 'op': 'eq', 'value': 'Pune'}, {'field': 'total_spend', 'op': 'gt', 'value': 10000}, {'field': 'last_order_at', 'op': 'not_within_last', 'value': {'amount': 2, 'unit': 'month'}}]}),
    ('USERS IN PUNE WHO SPENT OVER 5K', {'all': [{'field': 'city', 'op': 'eq', 'value': 'Pune'}, {'field': 'total_spend', 'op': 'gt', 'value': 5000}]}),
    ('Users from Mumbai & Pune', {'field': 'city', 'op': 'in', 'value': ['Mumbai', 'Pune']}),
    ("Which customers haven't logged in since January 2026?", {'not': {'field': 'last_visit_at', 'op': 'after', 'value': '2026-01-01T00:00:00Z'}}),
    ('account created after Jan 2026', {'field': 'signup_date', 'op': 'after', 'value': '2026-01'}),
    ('account created this year', {'field': 'signup_date', 'op': 'after', 'value': {'period': 'year', 'offset': -1}}),
    ('active in the last fortnight', {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 14, 'unit': 'day'}}),
    ('active users in the past 7 days', {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 7, 'unit': 'day'}}),
    ('age 30-40', {'field': 'age', 'op': 'between', 'value': [30, 40]}),
    ('age > 30 and age < 40', {'all': [{'field': 'age', 'op': 'gt', 'value': 30}, {'field': 'age', 'op': 'lt', 'value': 40}]}),
    ('age >= 18 and age <= 25', {'all': [{'field': 'age', 'op': 'gte', 'value': 18}, {'field': 'age', 'op': 'lte', 'value': 25}]}),
    ('age between 18 and 24', {'field': 'age', 'op': 'between', 'value': [18, 24]}),
    ('aged 18-24', {'field': 'age', 'op': 'between', 'value': [18, 24]}),
    ('aged 25', {'field': 'age', 'op': 'eq', 'value': 25}),
    ('all vip customers', {'field': 'tags', 'op': 'has', 'value': 'vip'}),
    ('at least 3 orders', {'field': 'orders', 'op': 'gte', 'value': 3}),
    ('at-risk users', {'field': 'tags', 'op': 'has', 'value': 'churn-risk'}),
    ('beta testers', {'field': 'tags', 'op': 'has', 'value': 'beta'}),
    ('big spenders: total_spend > 100000', {'field': 'total_spend', 'op': 'gt', 'value': 100000}),
    ('bought 3 times', {'field': 'orders', 'op': 'eq', 'value': 3}),
    ('bought 3 times or more', {'field': 'orders', 'op': 'gte', 'value': 3}),
    ('bought in the last week', {'field': 'last_order_at', 'op': 'within_last', 'value': {'amount': 1, 'unit': 'week'}}),
    ('came back in the last week', {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 1, 'unit': 'week'}}),
    ('can you find users in Kolkata please', {'field': 'city', 'op': 'eq', 'value': 'Kolkata'}),
    ('can you show users in Chennai with at least 5 orders?', {'all': [{'field': 'city', 'op': 'eq', 'value': 'Chennai'}, {'field': 'orders', 'op': 'gte', 'value': 5}]}),
    ('churn risk users with more than 3 orders', {'all': [{'field': 'tags', 'op': 'has', 'value': 'churn-risk'}, {'field': 'orders', 'op': 'gt', 'value': 3}]}),
    ('city != Delhi and city != Mumbai', {'all': [{'field': 'city', 'op': 'ne', 'value': 'Delhi'}, {'field': 'city', 'op': 'ne', 'value': 'Mumbai'}]}),
    ('city = "New York"', {'field': 'city', 'op': 'eq', 'value': 'New York'}),
    ("city = 'Pune' or city = 'Mumbai'", {'any': [{'field': 'city', 'op': 'eq', 'value': 'Pune'}, {'field': 'city', 'op': 'eq', 'value': 'Mumbai'}]}),
    ('city in ("New York", "San Francisco")', {'field': 'city', 'op': 'in', 'value': ['New York', 'San Francisco']}),
    ('city in (Delhi, Pune)', {'field': 'city', 'op': 'in', 'value': ['Delhi', 'Pune']}),
    ('city is not in (Mumbai, Delhi)', {'field': 'city', 'op': 'not_in', 'value': ['Mumbai', 'Delhi']}),
    ('city not in (Delhi, Pune)', {'field': 'city', 'op': 'not_in', 'value': ['Delhi', 'Pune']}),
    ('count of users with more than 50 visits', {'field': 'visits', 'op': 'gt', 'value': 50}),
    ('country != US', {'field': 'country', 'op': 'ne', 'value': 'US'}),
    ('country = IN', {'field': 'country', 'op': 'eq', 'value': 'IN'}),
    ('country in (IN, US)', {'field': 'country', 'op': 'in', 'value': ['IN', 'US']}),
    ('customers aged 25-35 in Bangalore who opted in to email', {'all': [{'field': 'age', 'op': 'between', 'value': [25, 35]}, {'field': 'city', 'op': 'eq', 'value': 'Bengaluru'}, {'field': 'email_opt_in', 'op': 'is', 'value': True}]}),
    ("customers from Bangalore who haven't ordered in 2 months and spent over 10k", {'all': [{'field': 'city', 'op': 'eq', 'value': 'Bengaluru'}, {'field': 'last_order_at', 'op': 'not_within_last', 'value': {'amount': 2, 'unit': 'month'}}, {'field': 'total_spend', 'op': 'gt', 'value': 10000}]}),
    ('customers in Hyderabad who spent more than 2 lakh', {'all': [{'field': 'city', 'op': 'eq', 'value': 'Hyderabad'}, {'field': 'total_spend', 'op': 'gt', 'value': 200000}]}),
    ('customers in Pune who are tagged vip or wholesale', {'all': [{'field': 'city', 'op': 'eq', 'value': 'Pune'}, {'field': 'tags', 'op': 'has_any', 'value': ['vip', 'wholesale']}]}),
    ('customers located in Chennai or Hyderabad', {'field': 'city', 'op': 'in', 'value': ['Chennai', 'Hyderabad']}),
    ('customers older than 25 with more than 3 orders', {'all': [{'field': 'age', 'op': 'gt', 'value': 25}, {'field': 'orders', 'op': 'gt', 'value': 3}]}),
    ('customers on the pro tier', {'field': 'plan', 'op': 'eq', 'value': 'pro'}),
    ('customers tagged wholesale with more than 10 orders in Delhi', {'all': [{'field': 'tags', 'op': 'has', 'value': 'wholesale'}, {'field': 'orders', 'op': 'gt', 'value': 10}, {'field': 'city', 'op': 'eq', 'value': 'Delhi'}]}),
    ('customers that have spent over 20k', {'field': 'total_spend', 'op': 'gt', 'value': 20000}),
    ('customers who are not vip', {'field': 'tags', 'op': 'has_none', 'value': ['vip']}),
    ('customers who bought at least 3 times and spent less than 5k', {'all': [{'field': 'orders', 'op': 'gte', 'value': 3}, {'field': 'total_spend', 'op': 'lt', 'value': 5000}]}),
    ("customers who didn't visit in the last 2 months", {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 2, 'unit': 'month'}}),
    ('customers who have made more than 5 purchases', {'field': 'orders', 'op': 'gt', 'value': 5}),
    ("customers who haven't logged in for 30 days and are on the free plan", {'all': [{'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 30, 'unit': 'day'}}, {'field': 'plan', 'op': 'eq', 'value': 'free'}]}),
    ("customers who haven't purchased anything in the last 45 days", {'field': 'last_order_at', 'op': 'not_within_last', 'value': {'amount': 45, 'unit': 'day'}}),
    ('customers who last ordered over 2 months ago', {'field': 'last_order_at', 'op': 'more_than_ago', 'value': {'amount': 2, 'unit': 'month'}}),
    ('customers who last visited more than 30 days ago', {'field': 'last_visit_at', 'op': 'more_than_ago', 'value': {'amount': 30, 'unit': 'day'}}),
    ('customers who ordered last month', {'field': 'last_order_at', 'op': 'on', 'value': {'period': 'month', 'offset': -1}}),
    ('customers who spent 10k-20k', {'field': 'total_spend', 'op': 'between', 'value': [10000, 20000]}),
    ('customers whose total spend exceeds 1,00,000', {'field': 'total_spend', 'op': 'gt', 'value': 100000}),
    ('customers with 1 order', {'field': 'orders', 'op': 'eq', 'value': 1}),
    ('customers with a lifetime value of more than 50k', {'field': 'total_spend', 'op': 'gt', 'value': 50000}),
    ('customers with no purchases in the past 6 months', {'field': 'last_order_at', 'op': 'not_within_last', 'value': {'amount': 6, 'unit': 'month'}}),
    ('dormant for 90 days', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 90, 'unit': 'day'}}),
    ('dormant for a year', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 1, 'unit': 'year'}}),
    ('dormant users for 60 days', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 60, 'unit': 'day'}}),
    ('either vip or wholesale', {'field': 'tags', 'op': 'has_any', 'value': ['vip', 'wholesale']}),
    ('email contains "@gmail.com"', {'field': 'email', 'op': 'contains', 'value': '@gmail.com'}),
    ('email opt-in users', {'field': 'email_opt_in', 'op': 'is', 'value': True}),
    ('email subscribers', {'field': 'email_opt_in', 'op': 'is', 'value': True}),
    ('email_opt_in = false', {'field': 'email_opt_in', 'op': 'is', 'value': False}),
    ('email_opt_in = true and city = Pune', {'all': [{'field': 'email_opt_in', 'op': 'is', 'value': True}, {'field': 'city', 'op': 'eq', 'value': 'Pune'}]}),
    ('email_opt_in is true', {'field': 'email_opt_in', 'op': 'is', 'value': True}),
    ('enterprise accounts', {'field': 'plan', 'op': 'eq', 'value': 'enterprise'}),
    ('enterprise customers', {'field': 'plan', 'op': 'eq', 'value': 'enterprise'}),
    ('enterprise users from the UK', {'all': [{'field': 'plan', 'op': 'eq', 'value': 'enterprise'}, {'field': 'country', 'op': 'eq', 'value': 'GB'}]}),
    ('equal to 10 visits', {'field': 'visits', 'op': 'eq', 'value': 10}),
    ('everyone in Delhi', {'field': 'city', 'op': 'eq', 'value': 'Delhi'}),
    ('everyone who spent over 1 lakh', {'field': 'total_spend', 'op': 'gt', 'value': 100000}),
    ('exactly 2 orders', {'field': 'orders', 'op': 'eq', 'value': 2}),
    ('fewer than 5 visits', {'field': 'visits', 'op': 'lt', 'value': 5}),
    ('find customers from Chennai with over 10 orders', {'all': [{'field': 'city', 'op': 'eq', 'value': 'Chennai'}, {'field': 'orders', 'op': 'gt', 'value': 10}]}),
    ('find me people who signed up in the last 2 weeks and visited more than 3 times', {'all': [{'field': 'signup_date', 'op': 'within_last', 'value': {'amount': 2, 'unit': 'week'}}, {'field': 'visits', 'op': 'gt', 'value': 3}]}),
    ("free or pro users who haven't ordered in 90 days", {'all': [{'field': 'plan', 'op': 'in', 'value': ['free', 'pro']}, {'field': 'last_order_at', 'op': 'not_within_last', 'value': {'amount': 90, 'unit': 'day'}}]}),
    ('free plan users older than 40', {'all': [{'field': 'plan', 'op': 'eq', 'value': 'free'}, {'field': 'age', 'op': 'gt', 'value': 40}]}),
    ('free tier users who visited more than 20 times', {'all': [{'field': 'plan', 'op': 'eq', 'value': 'free'}, {'field': 'visits', 'op': 'gt', 'value': 20}]}),
    ('free users who spent over 1000', {'all': [{'field': 'plan', 'op': 'eq', 'value': 'free'}, {'field': 'total_spend', 'op': 'gt', 'value': 1000}]}),
    ('from India', {'field': 'country', 'op': 'eq', 'value': 'IN'}),
    ('give me a list of users who joined this year', {'field': 'signup_date', 'op': 'after', 'value': {'period': 'year', 'offset': -1}}),
    ('give me a segment of vip users', {'field': 'tags', 'op': 'has', 'value': 'vip'}),
    ('greater than 100 visits', {'field': 'visits', 'op': 'gt', 'value': 100}),
    ('have not purchased in the last 90 days', {'field': 'last_order_at', 'op': 'not_within_last', 'value': {'amount': 90, 'unit': 'day'}}),
    ("haven't bought anything in 6 months", {'field': 'last_order_at', 'op': 'not_within_last', 'value': {'amount': 6, 'unit': 'month'}}),
    ("haven't logged in for 3 months", {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 3, 'unit': 'month'}}),
    ("haven't ordered since 2025-06-01", {'not': {'field': 'last_order_at', 'op': 'after', 'value': '2025-06-01T00:00:00Z'}}),
    ("haven't ordered since Jan 2026", {'not': {'field': 'last_order_at', 'op': 'after', 'value': '2026-01-01T00:00:00Z'}}),
    ("haven't visited in a year", {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 1, 'unit': 'year'}}),
    ("haven't visited since 2025-01-01", {'not': {'field': 'last_visit_at', 'op': 'after', 'value': '2025-01-01T00:00:00Z'}}),
    ("haven't visited since March 2025", {'not': {'field': 'last_visit_at', 'op': 'after', 'value': '2025-03-01T00:00:00Z'}}),
    ("haven't visited since last month", {'not': {'field': 'last_visit_at', 'op': 'after', 'value': {'period': 'month', 'offset': -2}}}),
    ('high value customers with more than 5 orders', {'field': 'orders', 'op': 'gt', 'value': 5}),
    ('how many users are in Chennai?', {'field': 'city', 'op': 'eq', 'value': 'Chennai'}),
    ('how many users from Kolkata have spent over 20000?', {'all': [{'field': 'city', 'op': 'eq', 'value': 'Kolkata'}, {'field': 'total_spend', 'op': 'gt', 'value': 20000}]}),
    ('i want users who signed up last month', {'field': 'signup_date', 'op': 'on', 'value': {'period': 'month', 'offset': -1}}),
    ('in the teens', {'field': 'age', 'op': 'between', 'value': [13, 19]}),
    ('in their 30s', {'field': 'age', 'op': 'between', 'value': [30, 39]}),
    ('inactive for 3 weeks', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 3, 'unit': 'week'}}),
    ('inactive for a month', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 1, 'unit': 'month'}}),
    ('joined Mar 1, 2025', {'field': 'signup_date', 'op': 'on', 'value': '2025-03-01'}),
    ('joined a couple of weeks ago', {'field': 'signup_date', 'op': 'on', 'value': {'period': 'week', 'offset': -2}}),
    ('joined after March 2025', {'field': 'signup_date', 'op': 'after', 'value': '2025-03'}),
    ('joined before March 2025', {'field': 'signup_date', 'op': 'before', 'value': '2025-03'}),
    ('joined between 1 Jan 2025 and 31 Mar 2025', {'field': 'signup_date', 'op': 'between', 'value': ['2025-01-01', '2025-03-31']}),
    ('joined from Jan 2025 to Mar 2025', {'field': 'signup_date', 'op': 'between', 'value': ['2025-01', '2025-03']}),
    ('joined in the last quarter', {'field': 'signup_date', 'op': 'within_last', 'value': {'amount': 1, 'unit': 'quarter'}}),
    ('joined in the past year', {'field': 'signup_date', 'op': 'within_last', 'value': {'amount': 1, 'unit': 'year'}}),
    ('joined last month', {'field': 'signup_date', 'op': 'on', 'value': {'period': 'month', 'offset': -1}}),
    ('joined last year', {'field': 'signup_date', 'op': 'on', 'value': {'period': 'year', 'offset': -1}}),
    ('joined more than 2 years ago', {'field': 'signup_date', 'op': 'more_than_ago', 'value': {'amount': 2, 'unit': 'year'}}),
    ('joined on 1 March 2025', {'field': 'signup_date', 'op': 'on', 'value': '2025-03-01'}),
    ('joined over six months ago', {'field': 'signup_date', 'op': 'more_than_ago', 'value': {'amount': 6, 'unit': 'month'}}),
    ('joined this month', {'field': 'signup_date', 'op': 'after', 'value': {'period': 'month', 'offset': -1}}),
    ('joined this quarter', {'field': 'signup_date', 'op': 'after', 'value': {'period': 'quarter', 'offset': -1}}),
    ('joined today', {'field': 'signup_date', 'op': 'after', 'value': {'period': 'day', 'offset': -1}}),
    ('lapsed customers for 3 months', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 3, 'unit': 'month'}}),
    ('lapsed for 2 quarters', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 2, 'unit': 'quarter'}}),
    ('lapsed for 6 months', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 6, 'unit': 'month'}}),
    ('last active more than 6 months ago', {'field': 'last_visit_at', 'op': 'more_than_ago', 'value': {'amount': 6, 'unit': 'month'}}),
    ('last order before 2025', {'field': 'last_order_at', 'op': 'before', 'value': '2025'}),
    ('last order more than 60 days ago', {'field': 'last_order_at', 'op': 'more_than_ago', 'value': {'amount': 60, 'unit': 'day'}}),
    ('last order within the last 30 days', {'field': 'last_order_at', 'op': 'within_last', 'value': {'amount': 30, 'unit': 'day'}}),
    ('last purchase over 3 months ago', {'field': 'last_order_at', 'op': 'more_than_ago', 'value': {'amount': 3, 'unit': 'month'}}),
    ('last seen 2 months ago or earlier', {'field': 'last_visit_at', 'op': 'more_than_ago', 'value': {'amount': 2, 'unit': 'month'}}),
    ('last seen 3 months ago or earlier', {'field': 'last_visit_at', 'op': 'more_than_ago', 'value': {'amount': 3, 'unit': 'month'}}),
    ('last visit within 7 days', {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 7, 'unit': 'day'}}),
    ('last_order_at exists', {'field': 'last_order_at', 'op': 'exists', 'value': True}),
    ('last_order_at more_than_ago 90 days', {'field': 'last_order_at', 'op': 'more_than_ago', 'value': {'amount': 90, 'unit': 'day'}}),
    ('last_visit_at not_within_last 2 weeks', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 2, 'unit': 'week'}}),
    ('last_visit_at within_last 30 days', {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 30, 'unit': 'day'}}),
    ('lifetime value above 1.5 lakh', {'field': 'total_spend', 'op': 'gt', 'value': 150000}),
    ('lifetime value over 1 lakh', {'field': 'total_spend', 'op': 'gt', 'value': 100000}),
    ('list pro plan users', {'field': 'plan', 'op': 'eq', 'value': 'pro'}),
    ('logged in 10 times', {'field': 'visits', 'op': 'eq', 'value': 10}),
    ('logged in in the past week', {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 1, 'unit': 'week'}}),
    ('logged in more than 5 times', {'field': 'visits', 'op': 'gt', 'value': 5}),
    ('minimum 3 orders', {'field': 'orders', 'op': 'gte', 'value': 3}),
    ('more than 10 logins', {'field': 'visits', 'op': 'gt', 'value': 10}),
    ('more than 100 sessions', {'field': 'visits', 'op': 'gt', 'value': 100}),
    ('more than 2 transactions', {'field': 'orders', 'op': 'gt', 'value': 2}),
    ('more than 5 thousand spent', {'field': 'total_spend', 'op': 'gt', 'value': 5000}),
    ('more than five orders', {'field': 'orders', 'op': 'gt', 'value': 5}),
    ('name contains "shah"', {'field': 'name', 'op': 'contains', 'value': 'shah'}),
    ('name contains Shah', {'field': 'name', 'op': 'contains', 'value': 'Shah'}),
    ('neither vip nor beta', {'all': [{'field': 'tags', 'op': 'has_none', 'value': ['vip']}, {'field': 'tags', 'op': 'has_none', 'value': ['beta']}]}),
    ('never ordered', {'field': 'last_order_at', 'op': 'exists', 'value': False}),
    ('never visited', {'field': 'last_visit_at', 'op': 'exists', 'value': False}),
    ('new signups in the last 7 days', {'field': 'signup_date', 'op': 'within_last', 'value': {'amount': 7, 'unit': 'day'}}),
    ('new signups this month', {'field': 'signup_date', 'op': 'after', 'value': {'period': 'month', 'offset': -1}}),
    ('new users in the last week', {'field': 'signup_date', 'op': 'within_last', 'value': {'amount': 1, 'unit': 'week'}}),
    ('new users this month', {'field': 'signup_date', 'op': 'after', 'value': {'period': 'month', 'offset': -1}}),
    ('no activity in 30 days', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 30, 'unit': 'day'}}),
    ('no logins in the last 2 weeks', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 2, 'unit': 'week'}}),
    ('no more than 3 orders', {'field': 'orders', 'op': 'lte', 'value': 3}),
    ('no orders in 60 days', {'field': 'last_order_at', 'op': 'not_within_last', 'value': {'amount': 60, 'unit': 'day'}}),
    ('no orders in the last 3 months', {'field': 'last_order_at', 'op': 'not_within_last', 'value': {'amount': 3, 'unit': 'month'}}),
    ('no purchase in 2 months', {'field': 'last_order_at', 'op': 'not_within_last', 'value': {'amount': 2, 'unit': 'month'}}),
    ('no sessions for 45 days', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 45, 'unit': 'day'}}),
    ('no visits in 10 days', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 10, 'unit': 'day'}}),
    ('no visits in 60 days', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 60, 'unit': 'day'}}),
    ('non-Indian users', {'field': 'country', 'op': 'ne', 'value': 'IN'}),
    ('not (city = Delhi)', {'not': {'field': 'city', 'op': 'eq', 'value': 'Delhi'}}),
    ('not (plan = free or plan = pro)', {'not': {'any': [{'field': 'plan', 'op': 'eq', 'value': 'free'}, {'field': 'plan', 'op': 'eq', 'value': 'pro'}]}}),
    ('not active in the last 2 months', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 2, 'unit': 'month'}}),
    ('not active in the last 30 days', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 30, 'unit': 'day'}}),
    ('not in Delhi or Mumbai', {'field': 'city', 'op': 'not_in', 'value': ['Delhi', 'Mumbai']}),
    ('not on pro', {'field': 'plan', 'op': 'ne', 'value': 'pro'}),
    ('not tagged vip', {'field': 'tags', 'op': 'has_none', 'value': ['vip']}),
    ('not tagged vip or beta', {'field': 'tags', 'op': 'has_none', 'value': ['vip', 'beta']}),
    ('not vip', {'field': 'tags', 'op': 'has_none', 'value': ['vip']}),
    ('number of customers in Jaipur', {'field': 'city', 'op': 'eq', 'value': 'Jaipur'}),
    ('on the free tier', {'field': 'plan', 'op': 'eq', 'value': 'free'}),
    ('opted in to email', {'field': 'email_opt_in', 'op': 'is', 'value': True}),
    ('opted out', {'field': 'email_opt_in', 'op': 'is', 'value': False}),
    ('opted out of email', {'field': 'email_opt_in', 'op': 'is', 'value': False}),
    ('ordered in the last week', {'field': 'last_order_at', 'op': 'within_last', 'value': {'amount': 1, 'unit': 'week'}}),
    ('ordered this year', {'field': 'last_order_at', 'op': 'after', 'value': {'period': 'year', 'offset': -1}}),
    ('ordered twice', {'field': 'orders', 'op': 'eq', 'value': 2}),
    ('orders = 0', {'field': 'orders', 'op': 'eq', 'value': 0}),
    ('outside the UK', {'field': 'country', 'op': 'ne', 'value': 'GB'}),
    ('over 18 users', {'field': 'age', 'op': 'gt', 'value': 18}),
    ('over 60', {'field': 'age', 'op': 'gt', 'value': 60}),
    ('paid users', {'field': 'plan', 'op': 'ne', 'value': 'free'}),
    ('people aged over 40 who spent between 20k and 50k', {'all': [{'field': 'age', 'op': 'gt', 'value': 40}, {'field': 'total_spend', 'op': 'between', 'value': [20000, 50000]}]}),
    ('people from Delhi NCR', {'field': 'city', 'op': 'eq', 'value': 'Delhi'}),
    ('people in their 40s', {'field': 'age', 'op': 'between', 'value': [40, 49]}),
    ("people who don't have the vip tag", {'field': 'tags', 'op': 'has_none', 'value': ['vip']}),
    ('people who have spent between 5000 and 10000 rupees', {'field': 'total_spend', 'op': 'between', 'value': [5000, 10000]}),
    ("people who've not ordered in 30 days", {'field': 'last_order_at', 'op': 'not_within_last', 'value': {'amount': 30, 'unit': 'day'}}),
    ('plan != free', {'field': 'plan', 'op': 'ne', 'value': 'free'}),
    ('plan = "pro"', {'field': 'plan', 'op': 'eq', 'value': 'pro'}),
    ('plan in (pro, enterprise)', {'field': 'plan', 'op': 'in', 'value': ['pro', 'enterprise']}),
    ("plan is 'enterprise'", {'field': 'plan', 'op': 'eq', 'value': 'enterprise'}),
    ('plan: enterprise', {'field': 'plan', 'op': 'eq', 'value': 'enterprise'}),
    ("please find vip customers who haven't visited in 6 months", {'all': [{'field': 'tags', 'op': 'has', 'value': 'vip'}, {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 6, 'unit': 'month'}}]}),
    ('premium users', {'field': 'plan', 'op': 'eq', 'value': 'pro'}),
    ('pro or enterprise', {'field': 'plan', 'op': 'in', 'value': ['pro', 'enterprise']}),
    ('pro or enterprise users in Bangalore with more than 20 visits', {'all': [{'field': 'plan', 'op': 'in', 'value': ['pro', 'enterprise']}, {'field': 'city', 'op': 'eq', 'value': 'Bengaluru'}, {'field': 'visits', 'op': 'gt', 'value': 20}]}),
    ('pro plan customers in Mumbai with over 10 visits', {'all': [{'field': 'plan', 'op': 'eq', 'value': 'pro'}, {'field': 'city', 'op': 'eq', 'value': 'Mumbai'}, {'field': 'visits', 'op': 'gt', 'value': 10}]}),
    ('pro users', {'field': 'plan', 'op': 'eq', 'value': 'pro'}),
    ('pune users', {'field': 'city', 'op': 'eq', 'value': 'Pune'}),
    ('purchased in the past 3 months', {'field': 'last_order_at', 'op': 'within_last', 'value': {'amount': 3, 'unit': 'month'}}),
    ('purchases worth over 5000 rupees', {'field': 'total_spend', 'op': 'gt', 'value': 5000}),
    ('registered before 2024', {'field': 'signup_date', 'op': 'before', 'value': '2024'}),
    ('registered in the last month', {'field': 'signup_date', 'op': 'within_last', 'value': {'amount': 1, 'unit': 'month'}}),
    ('returned within 10 days', {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 10, 'unit': 'day'}}),
    ('revenue above 20k', {'field': 'total_spend', 'op': 'gt', 'value': 20000}),
    ('revenue over INR 50,000', {'field': 'total_spend', 'op': 'gt', 'value': 50000}),
    ('segment of users who spent between 1 lakh and 5 lakh', {'field': 'total_spend', 'op': 'between', 'value': [100000, 500000]}),
    ('segment: vip users in Pune', {'all': [{'field': 'tags', 'op': 'has', 'value': 'vip'}, {'field': 'city', 'op': 'eq', 'value': 'Pune'}]}),
    ('show me everyone who has spent more than ₹ 50,000 in total', {'field': 'total_spend', 'op': 'gt', 'value': 50000}),
    ('show me pro users who visited in the last 14 days', {'all': [{'field': 'plan', 'op': 'eq', 'value': 'pro'}, {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 14, 'unit': 'day'}}]}),
    ('show me users who spent more than 5k', {'field': 'total_spend', 'op': 'gt', 'value': 5000}),
    ('show users who spent over 5k in Pune', {'all': [{'field': 'total_spend', 'op': 'gt', 'value': 5000}, {'field': 'city', 'op': 'eq', 'value': 'Pune'}]}),
    ('signed up 2 years ago', {'field': 'signup_date', 'op': 'on', 'value': {'period': 'year', 'offset': -2}}),
    ('signed up after 15/06/2025', {'field': 'signup_date', 'op': 'after', 'value': '2025-06-15'}),
    ('signed up between 1/3/2025 and 31/3/2025', {'field': 'signup_date', 'op': 'between', 'value': ['2025-03-01', '2025-03-31']}),
    ('signed up between 2025-01-01 and 2025-03-31', {'field': 'signup_date', 'op': 'between', 'value': ['2025-01-01', '2025-03-31']}),
    ('signed up between Jan 2025 and March 2025', {'field': 'signup_date', 'op': 'between', 'value': ['2025-01', '2025-03']}),
    ('signed up between March 1 and March 31 2025', {'field': 'signup_date', 'op': 'between', 'value': ['2025-03-01', '2025-03-31']}),
    ('signed up during 2025', {'field': 'signup_date', 'op': 'on', 'value': '2025'}),
    ('signed up from 2025-06-01', {'field': 'signup_date', 'op': 'after', 'value': '2025-06-01T00:00:00Z'}),
    ('signed up in 2024', {'field': 'signup_date', 'op': 'on', 'value': '2024'}),
    ('signed up in March', {'field': 'signup_date', 'op': 'on', 'value': '2026-03'}),
    ('signed up in May 2025', {'field': 'signup_date', 'op': 'on', 'value': '2025-05'}),
    ('signed up in june', {'field': 'signup_date', 'op': 'on', 'value': '2026-06'}),
    ('signed up in the month of June 2025', {'field': 'signup_date', 'op': 'on', 'value': '2025-06'}),
    ('signed up last week', {'field': 'signup_date', 'op': 'on', 'value': {'period': 'week', 'offset': -1}}),
    ('signed up last year', {'field': 'signup_date', 'op': 'on', 'value': {'period': 'year', 'offset': -1}}),
    ('signed up on 2025-06-01', {'field': 'signup_date', 'op': 'on', 'value': '2025-06-01'}),
    ('signed up on or after 2025-06-01', {'field': 'signup_date', 'op': 'after', 'value': '2025-06-01T00:00:00Z'}),
    ('signed up past 30 days', {'field': 'signup_date', 'op': 'within_last', 'value': {'amount': 30, 'unit': 'day'}}),
    ('signed up since April 2025', {'field': 'signup_date', 'op': 'after', 'value': '2025-04-01T00:00:00Z'}),
    ('signed up since March 2025', {'field': 'signup_date', 'op': 'after', 'value': '2025-03-01T00:00:00Z'}),
    ('signed up this week', {'field': 'signup_date', 'op': 'after', 'value': {'period': 'week', 'offset': -1}}),
    ('signed up three months ago or earlier', {'field': 'signup_date', 'op': 'more_than_ago', 'value': {'amount': 3, 'unit': 'month'}}),
    ('signed up within a year', {'field': 'signup_date', 'op': 'within_last', 'value': {'amount': 1, 'unit': 'year'}}),
    ('signed up yesterday', {'field': 'signup_date', 'op': 'on', 'value': {'period': 'day', 'offset': -1}}),
    ('signup before 2024', {'field': 'signup_date', 'op': 'before', 'value': '2024'}),
    ('signup date in 2025', {'field': 'signup_date', 'op': 'on', 'value': '2025'}),
    ('signup_date after 2025-06-01', {'field': 'signup_date', 'op': 'after', 'value': '2025-06-01'}),
    ('signup_date before 2024-01-01', {'field': 'signup_date', 'op': 'before', 'value': '2024-01-01'}),
    ('signup_date between 2025-01-01 and 2025-06-30', {'field': 'signup_date', 'op': 'between', 'value': ['2025-01-01', '2025-06-30']}),
    ('signups from last week', {'field': 'signup_date', 'op': 'on', 'value': {'period': 'week', 'offset': -1}}),
    ('signups last week', {'field': 'signup_date', 'op': 'on', 'value': {'period': 'week', 'offset': -1}}),
    ('spend 10k to 20k', {'field': 'total_spend', 'op': 'between', 'value': [10000, 20000]}),
    ('spend > 5k and orders > 2 and city in (Mumbai, Pune)', {'all': [{'field': 'total_spend', 'op': 'gt', 'value': 5000}, {'field': 'orders', 'op': 'gt', 'value': 2}, {'field': 'city', 'op': 'in', 'value': ['Mumbai', 'Pune']}]}),
    ('spend >= 5000', {'field': 'total_spend', 'op': 'gte', 'value': 5000}),
    ('spend above 1M', {'field': 'total_spend', 'op': 'gt', 'value': 1000000}),
    ('spend at least 5,00,000', {'field': 'total_spend', 'op': 'gte', 'value': 500000}),
    ('spend at least 5,000', {'field': 'total_spend', 'op': 'gte', 'value': 5000}),
    ('spend at least 5.5 lakhs', {'field': 'total_spend', 'op': 'gte', 'value': 550000}),
    ('spend exceeding 5000', {'field': 'total_spend', 'op': 'gt', 'value': 5000}),
    ('spend of 1,00,000 or less', {'field': 'total_spend', 'op': 'lte', 'value': 100000}),
    ('spend over Rs. 1,50,000', {'field': 'total_spend', 'op': 'gt', 'value': 150000}),
    ('spending over 5k', {'field': 'total_spend', 'op': 'gt', 'value': 5000}),
    ('spent 10,000+', {'field': 'total_spend', 'op': 'gte', 'value': 10000}),
    ('spent 3.5 lakh or more', {'field': 'total_spend', 'op': 'gte', 'value': 350000}),
    ('spent 5k+', {'field': 'total_spend', 'op': 'gte', 'value': 5000}),
    ('spent > ₹5k', {'field': 'total_spend', 'op': 'gt', 'value': 5000}),
    ('spent >5000', {'field': 'total_spend', 'op': 'gt', 'value': 5000}),
    ('spent above ₹ 10k', {'field': 'total_spend', 'op': 'gt', 'value': 10000}),
    ('spent at least 2.5k', {'field': 'total_spend', 'op': 'gte', 'value': 2500}),
    ('spent at least ₹2,50,000', {'field': 'total_spend', 'op': 'gte', 'value': 250000}),
    ('spent between ₹5,000 and ₹10,000', {'field': 'total_spend', 'op': 'between', 'value': [5000, 10000]}),
    ('spent less than 500', {'field': 'total_spend', 'op': 'lt', 'value': 500}),
    ('spent more than 1 cr', {'field': 'total_spend', 'op': 'gt', 'value': 10000000}),
    ('spent more than INR 10k', {'field': 'total_spend', 'op': 'gt', 'value': 10000}),
    ('spent more than Rs 5k', {'field': 'total_spend', 'op': 'gt', 'value': 5000}),
    ('spent more then 5000', {'field': 'total_spend', 'op': 'gt', 'value': 5000}),
    ('spent nothing', {'field': 'total_spend', 'op': 'eq', 'value': 0}),
    ('spent over 10 thousand rupees', {'field': 'total_spend', 'op': 'gt', 'value': 10000}),
    ('spent over 2 million', {'field': 'total_spend', 'op': 'gt', 'value': 2000000}),
    ('spent over 2.5 crore', {'field': 'total_spend', 'op': 'gt', 'value': 25000000}),
    ('spent over 2cr', {'field': 'total_spend', 'op': 'gt', 'value': 20000000}),
    ('spent over Rs.5000', {'field': 'total_spend', 'op': 'gt', 'value': 5000}),
    ('spent over rs 5000', {'field': 'total_spend', 'op': 'gt', 'value': 5000}),
    ('spent over ₹5000 and visited in the last 30 days or tagged vip', {'any': [{'all': [{'field': 'total_spend', 'op': 'gt', 'value': 5000}, {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 30, 'unit': 'day'}}]}, {'field': 'tags', 'op': 'has', 'value': 'vip'}]}),
    ('spent ₹10K+', {'field': 'total_spend', 'op': 'gte', 'value': 10000}),
    ('spnet over 5k', {'field': 'total_spend', 'op': 'gt', 'value': 5000}),
    ('student users', {'field': 'tags', 'op': 'has', 'value': 'student'}),
    ('students', {'field': 'tags', 'op': 'has', 'value': 'student'}),
    ('subscribed to email', {'field': 'email_opt_in', 'op': 'is', 'value': True}),
    ('tagged vip', {'field': 'tags', 'op': 'has', 'value': 'vip'}),
    ('tags has vip', {'field': 'tags', 'op': 'has', 'value': 'vip'}),
    ('tags has_all (vip, beta)', {'field': 'tags', 'op': 'has_all', 'value': ['vip', 'beta']}),
    ('tags has_any (vip, beta)', {'field': 'tags', 'op': 'has_any', 'value': ['vip', 'beta']}),
    ('tags has_any (vip, wholesale) and not tagged churn-risk', {'all': [{'field': 'tags', 'op': 'has_any', 'value': ['vip', 'wholesale']}, {'field': 'tags', 'op': 'has_none', 'value': ['churn-risk']}]}),
    ('tags has_none (vip)', {'field': 'tags', 'op': 'has_none', 'value': ['vip']}),
    ('top customers who spent 1 lakh+', {'field': 'total_spend', 'op': 'gte', 'value': 100000}),
    ('total spend at least 50000', {'field': 'total_spend', 'op': 'gte', 'value': 50000}),
    ('total_spend >= 1000 and total_spend <= 5000', {'all': [{'field': 'total_spend', 'op': 'gte', 'value': 1000}, {'field': 'total_spend', 'op': 'lte', 'value': 5000}]}),
    ('total_spend>=10000 AND visits<5', {'all': [{'field': 'total_spend', 'op': 'gte', 'value': 10000}, {'field': 'visits', 'op': 'lt', 'value': 5}]}),
    ('under 25', {'field': 'age', 'op': 'lt', 'value': 25}),
    ('unsubscribed', {'field': 'email_opt_in', 'op': 'is', 'value': False}),
    ('unsubscribed users', {'field': 'email_opt_in', 'op': 'is', 'value': False}),
    ('up to 5 visits', {'field': 'visits', 'op': 'lte', 'value': 5}),
    ('user_id = u00001', {'field': 'user_id', 'op': 'eq', 'value': 'u00001'}),
    ('users 18 or older', {'field': 'age', 'op': 'gte', 'value': 18}),
    ('users 30 and under', {'field': 'age', 'op': 'lte', 'value': 30}),
    ('users active since January', {'field': 'last_visit_at', 'op': 'after', 'value': '2026-01-01T00:00:00Z'}),
    ('users active this month', {'field': 'last_visit_at', 'op': 'after', 'value': {'period': 'month', 'offset': -1}}),
    ('users aged 25 - 35', {'field': 'age', 'op': 'between', 'value': [25, 35]}),
    ('users aged 25 to 35', {'field': 'age', 'op': 'between', 'value': [25, 35]}),
    ('users aged 25–35', {'field': 'age', 'op': 'between', 'value': [25, 35]}),
    ('users aged 30 or above', {'field': 'age', 'op': 'gte', 'value': 30}),
    ('users aged 65+', {'field': 'age', 'op': 'gte', 'value': 65}),
    ('users aged between 25 and 40 who live in Delhi', {'all': [{'field': 'age', 'op': 'between', 'value': [25, 40]}, {'field': 'city', 'op': 'eq', 'value': 'Delhi'}]}),
    ('users aged exactly 30', {'field': 'age', 'op': 'eq', 'value': 30}),
    ('users aged under 21', {'field': 'age', 'op': 'lt', 'value': 21}),
    ('users based in Gurgaon', {'field': 'city', 'op': 'eq', 'value': 'Gurugram'}),
    ('users between 25 and 35 years old', {'field': 'age', 'op': 'between', 'value': [25, 35]}),
    ('users from Bombay', {'field': 'city', 'op': 'eq', 'value': 'Mumbai'}),
    ('users from Delhi who are vip or beta', {'all': [{'field': 'city', 'op': 'eq', 'value': 'Delhi'}, {'field': 'tags', 'op': 'has_any', 'value': ['vip', 'beta']}]}),
    ('users from London or Manchester', {'field': 'city', 'op': 'in', 'value': ['London', 'Manchester']}),
    ('users from New York', {'field': 'city', 'op': 'eq', 'value': 'New York'}),
    ('users from mumbai/pune', {'field': 'city', 'op': 'in', 'value': ['Mumbai', 'Pune']}),
    ('users from singapore or india', {'field': 'country', 'op': 'in', 'value': ['SG', 'IN']}),
    ('users from the UAE or Singapore', {'field': 'country', 'op': 'in', 'value': ['AE', 'SG']}),
    ('users from the United States', {'field': 'country', 'op': 'eq', 'value': 'US'}),
    ('users in Abu Dhabi', {'field': 'city', 'op': 'eq', 'value': 'Abu Dhabi'}),
    ('users in Bangalore', {'field': 'city', 'op': 'eq', 'value': 'Bengaluru'}),
    ('users in Delhi or users in Mumbai', {'field': 'city', 'op': 'in', 'value': ['Delhi', 'Mumbai']}),
    ('users in Dubai', {'field': 'city', 'op': 'eq', 'value': 'Dubai'}),
    ('users in India but not in Delhi', {'all': [{'field': 'country', 'op': 'eq', 'value': 'IN'}, {'field': 'city', 'op': 'ne', 'value': 'Delhi'}]}),
    ('users in London', {'field': 'city', 'op': 'eq', 'value': 'London'}),
    ('users in Mumbai and spent more than 10000', {'all': [{'field': 'city', 'op': 'eq', 'value': 'Mumbai'}, {'field': 'total_spend', 'op': 'gt', 'value': 10000}]}),
    ('users in Mumbai but not vip', {'all': [{'field': 'city', 'op': 'eq', 'value': 'Mumbai'}, {'field': 'tags', 'op': 'has_none', 'value': ['vip']}]}),
    ('users in NYC', {'field': 'city', 'op': 'eq', 'value': 'New York'}),
    ('users in Pune or Mumbai who are vip', {'all': [{'field': 'city', 'op': 'in', 'value': ['Pune', 'Mumbai']}, {'field': 'tags', 'op': 'has', 'value': 'vip'}]}),
    ("users in Pune who haven't visited in 30 days or never visited", {'all': [{'field': 'city', 'op': 'eq', 'value': 'Pune'}, {'any': [{'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 30, 'unit': 'day'}}, {'field': 'last_visit_at', 'op': 'exists', 'value': False}]}]}),
    ('users in bangalore', {'field': 'city', 'op': 'eq', 'value': 'Bengaluru'}),
    ('users in mumbai or pune', {'field': 'city', 'op': 'in', 'value': ['Mumbai', 'Pune']}),
    ('users in the UAE', {'field': 'country', 'op': 'eq', 'value': 'AE'}),
    ('users in the US', {'field': 'country', 'op': 'eq', 'value': 'US'}),
    ('users in their teens', {'field': 'age', 'op': 'between', 'value': [13, 19]}),
    ('users in their twenties', {'field': 'age', 'op': 'between', 'value': [20, 29]}),
    ('users inactive since October', {'not': {'field': 'last_visit_at', 'op': 'after', 'value': '2026-10-01T00:00:00Z'}}),
    ('users last seen over a month ago', {'field': 'last_visit_at', 'op': 'more_than_ago', 'value': {'amount': 1, 'unit': 'month'}}),
    ('users living in Bengaluru', {'field': 'city', 'op': 'eq', 'value': 'Bengaluru'}),
    ('users not from India', {'field': 'country', 'op': 'ne', 'value': 'IN'}),
    ('users not on the free plan', {'field': 'plan', 'op': 'ne', 'value': 'free'}),
    ('users not seen in 30 days', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 30, 'unit': 'day'}}),
    ('users not seen since 2026-01-01', {'not': {'field': 'last_visit_at', 'op': 'after', 'value': '2026-01-01T00:00:00Z'}}),
    ('users older than 60 or younger than 18', {'any': [{'field': 'age', 'op': 'gt', 'value': 60}, {'field': 'age', 'op': 'lt', 'value': 18}]}),
    ('users on a paid plan', {'field': 'plan', 'op': 'ne', 'value': 'free'}),
    ('users on basic plan', {'field': 'plan', 'op': 'eq', 'value': 'free'}),
    ('users on enterprise or pro plans', {'field': 'plan', 'op': 'in', 'value': ['enterprise', 'pro']}),
    ('users on the enterprise tier with more than 10 orders', {'all': [{'field': 'plan', 'op': 'eq', 'value': 'enterprise'}, {'field': 'orders', 'op': 'gt', 'value': 10}]}),
    ('users on the free plan', {'field': 'plan', 'op': 'eq', 'value': 'free'}),
    ('users on the free plan who have not ordered', {'all': [{'field': 'plan', 'op': 'eq', 'value': 'free'}, {'field': 'last_order_at', 'op': 'exists', 'value': False}]}),
    ('users outside Delhi', {'field': 'city', 'op': 'ne', 'value': 'Delhi'}),
    ('users outside India', {'field': 'country', 'op': 'ne', 'value': 'IN'}),
    ('users over 40', {'field': 'age', 'op': 'gt', 'value': 40}),
    ('users signed up before 2024 who visited this month', {'all': [{'field': 'signup_date', 'op': 'before', 'value': '2024'}, {'field': 'last_visit_at', 'op': 'after', 'value': {'period': 'month', 'offset': -1}}]}),
    ('users tagged as vip', {'field': 'tags', 'op': 'has', 'value': 'vip'}),
    ('users tagged beta or student', {'field': 'tags', 'op': 'has_any', 'value': ['beta', 'student']}),
    ('users that are on the enterprise plan and from the US', {'all': [{'field': 'plan', 'op': 'eq', 'value': 'enterprise'}, {'field': 'country', 'op': 'eq', 'value': 'US'}]}),
    ('users that have never purchased', {'field': 'last_order_at', 'op': 'exists', 'value': False}),
    ('users under 18', {'field': 'age', 'op': 'lt', 'value': 18}),
    ('users under 30', {'field': 'age', 'op': 'lt', 'value': 30}),
    ('users who are 18-25 and opted in to email', {'all': [{'field': 'age', 'op': 'between', 'value': [18, 25]}, {'field': 'email_opt_in', 'op': 'is', 'value': True}]}),
    ('users who are at least 21', {'field': 'age', 'op': 'gte', 'value': 21}),
    ('users who are email subscribers and live in Pune', {'all': [{'field': 'email_opt_in', 'op': 'is', 'value': True}, {'field': 'city', 'op': 'eq', 'value': 'Pune'}]}),
    ('users who are not subscribed to email', {'field': 'email_opt_in', 'op': 'is', 'value': False}),
    ('users who are over 30 and spent over 5k', {'all': [{'field': 'age', 'op': 'gt', 'value': 30}, {'field': 'total_spend', 'op': 'gt', 'value': 5000}]}),
    ('users who are tagged vip and have spent over 1L', {'all': [{'field': 'tags', 'op': 'has', 'value': 'vip'}, {'field': 'total_spend', 'op': 'gt', 'value': 100000}]}),
    ('users who are yet to order', {'field': 'orders', 'op': 'eq', 'value': 0}),
    ('users who bought more than once', {'field': 'orders', 'op': 'gt', 'value': 1}),
    ('users who bought something in the last 30 days', {'field': 'last_order_at', 'op': 'within_last', 'value': {'amount': 30, 'unit': 'day'}}),
    ('users who came back this month', {'field': 'last_visit_at', 'op': 'after', 'value': {'period': 'month', 'offset': -1}}),
    ('users who did not order in the past 60 days', {'field': 'last_order_at', 'op': 'not_within_last', 'value': {'amount': 60, 'unit': 'day'}}),
    ('users who have been inactive for more than 3 months', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 3, 'unit': 'month'}}),
    ('users who have logged in within the last 24 days', {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 24, 'unit': 'day'}}),
    ('users who have never logged in', {'field': 'last_visit_at', 'op': 'exists', 'value': False}),
    ('users who have not opted in to email', {'field': 'email_opt_in', 'op': 'is', 'value': False}),
    ('users who have not visited in over 60 days', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 60, 'unit': 'day'}}),
    ('users who have not visited in the past 3 months and have spent more than 10k', {'all': [{'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 3, 'unit': 'month'}}, {'field': 'total_spend', 'op': 'gt', 'value': 10000}]}),
    ('users who have opted out of emails', {'field': 'email_opt_in', 'op': 'is', 'value': False}),
    ('users who have ordered at least once', {'field': 'orders', 'op': 'gte', 'value': 1}),
    ('users who have spent at least INR 2500', {'field': 'total_spend', 'op': 'gte', 'value': 2500}),
    ('users who have visited at least 5 times and spent more than 2000', {'all': [{'field': 'visits', 'op': 'gte', 'value': 5}, {'field': 'total_spend', 'op': 'gt', 'value': 2000}]}),
    ("users who haven't been active in 2 weeks", {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 2, 'unit': 'week'}}),
    ("users who haven't opted in", {'field': 'email_opt_in', 'op': 'is', 'value': False}),
    ("users who haven't placed an order in 3 months", {'field': 'last_order_at', 'op': 'not_within_last', 'value': {'amount': 3, 'unit': 'month'}}),
    ("users who haven't visited in 30 days or have fewer than 2 orders", {'any': [{'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 30, 'unit': 'day'}}, {'field': 'orders', 'op': 'lt', 'value': 2}]}),
    ("users who haven't visited in the last 3 months", {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 3, 'unit': 'month'}}),
    ('users who joined in the last 90 days and never ordered', {'all': [{'field': 'signup_date', 'op': 'within_last', 'value': {'amount': 90, 'unit': 'day'}}, {'field': 'last_order_at', 'op': 'exists', 'value': False}]}),
    ('users who joined since last month', {'field': 'signup_date', 'op': 'after', 'value': {'period': 'month', 'offset': -2}}),
    ('users who joined the previous month', {'field': 'signup_date', 'op': 'on', 'value': {'period': 'month', 'offset': -1}}),
    ('users who last logged in over 2 months ago', {'field': 'last_visit_at', 'op': 'more_than_ago', 'value': {'amount': 2, 'unit': 'month'}}),
    ('users who opted in', {'field': 'email_opt_in', 'op': 'is', 'value': True}),
    ('users who ordered before March 2026', {'field': 'last_order_at', 'op': 'before', 'value': '2026-03'}),
    ('users who placed more than 2 orders', {'field': 'orders', 'op': 'gt', 'value': 2}),
    ('users who purchased in the last week', {'field': 'last_order_at', 'op': 'within_last', 'value': {'amount': 1, 'unit': 'week'}}),
    ('users who registered in January', {'field': 'signup_date', 'op': 'on', 'value': '2026-01'}),
    ('users who registered this year and are from Mumbai', {'all': [{'field': 'signup_date', 'op': 'after', 'value': {'period': 'year', 'offset': -1}}, {'field': 'city', 'op': 'eq', 'value': 'Mumbai'}]}),
    ('users who returned last week', {'field': 'last_visit_at', 'op': 'on', 'value': {'period': 'week', 'offset': -1}}),
    ('users who signed up after 1st January 2025', {'field': 'signup_date', 'op': 'after', 'value': '2025-01-01'}),
    ('users who signed up before 15 March 2025', {'field': 'signup_date', 'op': 'before', 'value': '2025-03-15'}),
    ('users who signed up before 2025 and are still active in the last month', {'all': [{'field': 'signup_date', 'op': 'before', 'value': '2025'}, {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 1, 'unit': 'month'}}]}),
    ("users who signed up in 2024 and haven't visited in 3 months", {'all': [{'field': 'signup_date', 'op': 'on', 'value': '2024'}, {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 3, 'unit': 'month'}}]}),
    ('users who signed up in Q1', {'field': 'signup_date', 'op': 'between', 'value': ['2026-01', '2026-03']}),
    ('users who signed up in the last 6 months and have made at least 2 purchases', {'all': [{'field': 'signup_date', 'op': 'within_last', 'value': {'amount': 6, 'unit': 'month'}}, {'field': 'orders', 'op': 'gte', 'value': 2}]}),
    ('users who signed up on 5th June 2025', {'field': 'signup_date', 'op': 'on', 'value': '2025-06-05'}),
    ('users who spent 0', {'field': 'total_spend', 'op': 'eq', 'value': 0}),
    ('users who spent more than 1.5L', {'field': 'total_spend', 'op': 'gt', 'value': 150000}),
    ('users who spent more than 5000 and live in Mumbai or Pune', {'all': [{'field': 'total_spend', 'op': 'gt', 'value': 5000}, {'field': 'city', 'op': 'in', 'value': ['Mumbai', 'Pune']}]}),
    ('users who spent over ₹5k total', {'field': 'total_spend', 'op': 'gt', 'value': 5000}),
    ('users who unsubscribed from emails', {'field': 'email_opt_in', 'op': 'is', 'value': False}),
    ('users who visited in the last 3 months but not in the last month', {'all': [{'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 3, 'unit': 'month'}}, {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 1, 'unit': 'month'}}]}),
    ('users who visited once', {'field': 'visits', 'op': 'eq', 'value': 1}),
    ('users who were active last week', {'field': 'last_visit_at', 'op': 'on', 'value': {'period': 'week', 'offset': -1}}),
    ("users who've visited more than 10 times", {'field': 'visits', 'op': 'gt', 'value': 10}),
    ('users whose age is above 30', {'field': 'age', 'op': 'gt', 'value': 30}),
    ('users whose city is Pune or Mumbai', {'field': 'city', 'op': 'in', 'value': ['Pune', 'Mumbai']}),
    ('users whose city is not Delhi', {'field': 'city', 'op': 'ne', 'value': 'Delhi'}),
    ('users whose country is India', {'field': 'country', 'op': 'eq', 'value': 'IN'}),
    ('users whose last order was over 90 days ago', {'field': 'last_order_at', 'op': 'more_than_ago', 'value': {'amount': 90, 'unit': 'day'}}),
    ('users whose last visit was more than 3 weeks ago', {'field': 'last_visit_at', 'op': 'more_than_ago', 'value': {'amount': 3, 'unit': 'week'}}),
    ('users whose name contains Kumar', {'field': 'name', 'op': 'contains', 'value': 'Kumar'}),
    ('users whose orders are more than 3', {'field': 'orders', 'op': 'gt', 'value': 3}),
    ('users whose plan is enterprise', {'field': 'plan', 'op': 'eq', 'value': 'enterprise'}),
    ('users whose plan is not free', {'field': 'plan', 'op': 'ne', 'value': 'free'}),
    ('users whose spend is between 1000 and 5000', {'field': 'total_spend', 'op': 'between', 'value': [1000, 5000]}),
    ('users whose tags include vip', {'field': 'tags', 'op': 'has', 'value': 'vip'}),
    ('users whose total spend is over 50k', {'field': 'total_spend', 'op': 'gt', 'value': 50000}),
    ('users whose visits are below 5', {'field': 'visits', 'op': 'lt', 'value': 5}),
    ('users with 0 orders', {'field': 'orders', 'op': 'eq', 'value': 0}),
    ('users with 10+ visits', {'field': 'visits', 'op': 'gte', 'value': 10}),
    ('users with 3+ orders', {'field': 'orders', 'op': 'gte', 'value': 3}),
    ('users with LTV under 2k', {'field': 'total_spend', 'op': 'lt', 'value': 2000}),
    ('users with age over 40', {'field': 'age', 'op': 'gt', 'value': 40}),
    ('users with an email address containing gmail', {'field': 'email', 'op': 'contains', 'value': 'gmail'}),
    ('users with at least 2 logins in Pune', {'all': [{'field': 'visits', 'op': 'gte', 'value': 2}, {'field': 'city', 'op': 'eq', 'value': 'Pune'}]}),
    ('users with at least one order', {'field': 'orders', 'op': 'gte', 'value': 1}),
    ('users with between 5 and 10 orders', {'field': 'orders', 'op': 'between', 'value': [5, 10]}),
    ('users with email', {'field': 'email', 'op': 'exists', 'value': True}),
    ('users with fewer than 2 sessions', {'field': 'visits', 'op': 'lt', 'value': 2}),
    ('users with last order in the last 30 days', {'field': 'last_order_at', 'op': 'within_last', 'value': {'amount': 30, 'unit': 'day'}}),
    ('users with last visit before 2025', {'field': 'last_visit_at', 'op': 'before', 'value': '2025'}),
    ('users with more than 3 transactions', {'field': 'orders', 'op': 'gt', 'value': 3}),
    ('users with more than 5 orders but less than 10', {'all': [{'field': 'orders', 'op': 'gt', 'value': 5}, {'field': 'orders', 'op': 'lt', 'value': 10}]}),
    ('users with no orders', {'field': 'orders', 'op': 'eq', 'value': 0}),
    ('users with no visits in the last 2 weeks', {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 2, 'unit': 'week'}}),
    ('users with orders > 3 and last order within 30 days', {'all': [{'field': 'orders', 'op': 'gt', 'value': 3}, {'field': 'last_order_at', 'op': 'within_last', 'value': {'amount': 30, 'unit': 'day'}}]}),
    ('users with over 1 lakh spend', {'field': 'total_spend', 'op': 'gt', 'value': 100000}),
    ('users with plan pro', {'field': 'plan', 'op': 'eq', 'value': 'pro'}),
    ('users with signup date after 2025-06-01', {'field': 'signup_date', 'op': 'after', 'value': '2025-06-01'}),
    ('users with spend > 5000 and visits < 10', {'all': [{'field': 'total_spend', 'op': 'gt', 'value': 5000}, {'field': 'visits', 'op': 'lt', 'value': 10}]}),
    ('users with spend above 10 thousand', {'field': 'total_spend', 'op': 'gt', 'value': 10000}),
    ('users with spend greater than 5000 or visits less than 10', {'any': [{'field': 'total_spend', 'op': 'gt', 'value': 5000}, {'field': 'visits', 'op': 'lt', 'value': 10}]}),
    ('users with tag vip and newsletter', {'field': 'tags', 'op': 'has_all', 'value': ['vip', 'newsletter']}),
    ('users with the newsletter tag who opted out of email', {'all': [{'field': 'tags', 'op': 'has', 'value': 'newsletter'}, {'field': 'email_opt_in', 'op': 'is', 'value': False}]}),
    ('users with the pro plan', {'field': 'plan', 'op': 'eq', 'value': 'pro'}),
    ('users with the tag churn-risk', {'field': 'tags', 'op': 'has', 'value': 'churn-risk'}),
    ('users with total spending above 10k', {'field': 'total_spend', 'op': 'gt', 'value': 10000}),
    ('users without any orders', {'field': 'orders', 'op': 'eq', 'value': 0}),
    ('vip customers', {'field': 'tags', 'op': 'has', 'value': 'vip'}),
    ('vip customers in Mumbai, Delhi or Pune', {'all': [{'field': 'tags', 'op': 'has', 'value': 'vip'}, {'field': 'city', 'op': 'in', 'value': ['Mumbai', 'Delhi', 'Pune']}]}),
    ('vip customers who spent less than 1000', {'all': [{'field': 'tags', 'op': 'has', 'value': 'vip'}, {'field': 'total_spend', 'op': 'lt', 'value': 1000}]}),
    ('vip or wholesale customers', {'field': 'tags', 'op': 'has_any', 'value': ['vip', 'wholesale']}),
    ('vip users', {'field': 'tags', 'op': 'has', 'value': 'vip'}),
    ('vip users from Mumbai or Delhi with more than 5 orders', {'all': [{'field': 'tags', 'op': 'has', 'value': 'vip'}, {'field': 'city', 'op': 'in', 'value': ['Mumbai', 'Delhi']}, {'field': 'orders', 'op': 'gt', 'value': 5}]}),
    ('vip users in delhi, who spent > 10000!', {'all': [{'field': 'tags', 'op': 'has', 'value': 'vip'}, {'field': 'city', 'op': 'eq', 'value': 'Delhi'}, {'field': 'total_spend', 'op': 'gt', 'value': 10000}]}),
    ('vip users or users who spent over 1 lakh', {'any': [{'field': 'tags', 'op': 'has', 'value': 'vip'}, {'field': 'total_spend', 'op': 'gt', 'value': 100000}]}),
    ('vip users who are not in Mumbai', {'all': [{'field': 'tags', 'op': 'has', 'value': 'vip'}, {'field': 'city', 'op': 'ne', 'value': 'Mumbai'}]}),
    ('vip: tags has vip', {'field': 'tags', 'op': 'has', 'value': 'vip'}),
    ('visitd in the last week', {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 1, 'unit': 'week'}}),
    ('visited 5 times', {'field': 'visits', 'op': 'eq', 'value': 5}),
    ('visited at least 3 times in Pune', {'all': [{'field': 'visits', 'op': 'gte', 'value': 3}, {'field': 'city', 'op': 'eq', 'value': 'Pune'}]}),
    ('visited between March and June', {'field': 'last_visit_at', 'op': 'between', 'value': ['2026-03', '2026-06']}),
    ("visited in the last 90 days but haven't ordered in 60 days", {'all': [{'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 90, 'unit': 'day'}}, {'field': 'last_order_at', 'op': 'not_within_last', 'value': {'amount': 60, 'unit': 'day'}}]}),
    ('visited in the last ten days', {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 10, 'unit': 'day'}}),
    ('visited in the last two weeks', {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 2, 'unit': 'week'}}),
    ('visited in the past 2 weeks', {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 2, 'unit': 'week'}}),
    ('visited last 30 days', {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 30, 'unit': 'day'}}),
    ('visited more than 10 times', {'field': 'visits', 'op': 'gt', 'value': 10}),
    ('visited more than 3 times and spent less than 1k', {'all': [{'field': 'visits', 'op': 'gt', 'value': 3}, {'field': 'total_spend', 'op': 'lt', 'value': 1000}]}),
    ('visited today', {'field': 'last_visit_at', 'op': 'after', 'value': {'period': 'day', 'offset': -1}}),
    ('visited within 2 weeks', {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 2, 'unit': 'week'}}),
    ('visited within a week', {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 1, 'unit': 'week'}}),
    ('visited within the last year', {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 1, 'unit': 'year'}}),
    ('visited yesterday', {'field': 'last_visit_at', 'op': 'on', 'value': {'period': 'day', 'offset': -1}}),
    ('visits > 50 OR orders > 10', {'any': [{'field': 'visits', 'op': 'gt', 'value': 50}, {'field': 'orders', 'op': 'gt', 'value': 10}]}),
    ('visits >= 5 and (city = Pune or city = Delhi)', {'all': [{'field': 'visits', 'op': 'gte', 'value': 5}, {'any': [{'field': 'city', 'op': 'eq', 'value': 'Pune'}, {'field': 'city', 'op': 'eq', 'value': 'Delhi'}]}]}),
    ('visits between 10 and 20', {'field': 'visits', 'op': 'between', 'value': [10, 20]}),
    ('visits: more than 10', {'field': 'visits', 'op': 'gt', 'value': 10}),
    ('visits>50', {'field': 'visits', 'op': 'gt', 'value': 50}),
    ('vists more than 10', {'field': 'visits', 'op': 'gt', 'value': 10}),
    ("who hasn't logged in for 2 weeks", {'field': 'last_visit_at', 'op': 'not_within_last', 'value': {'amount': 2, 'unit': 'week'}}),
    ('with over 2 purchases', {'field': 'orders', 'op': 'gt', 'value': 2}),
    ('with the wholesale tag', {'field': 'tags', 'op': 'has', 'value': 'wholesale'}),
    ('within 30 days visited', {'field': 'last_visit_at', 'op': 'within_last', 'value': {'amount': 30, 'unit': 'day'}}),
    ('without the beta tag', {'field': 'tags', 'op': 'has_none', 'value': ['beta']}),
    ('younger than 30', {'field': 'age', 'op': 'lt', 'value': 30}),
    ('₹5,000 or more spend', {'field': 'total_spend', 'op': 'gte', 'value': 5000}),
]


@pytest.mark.parametrize(("text", "expected"), READINGS, ids=[t for t, _ in READINGS])
def test_reading(text: str, expected: dict[str, Any]) -> None:
    assert read(text) == expected


def _at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Phrasings checked the way the held-out set is judged: the same users as a reference filter.
SAME_USERS = [
    ("customers who haven't logged in for 60 days and spent over ₹20k",
     {"$and": [{"$or": [{"last_visit_at": {"$lt": _at(2026, 9, 25, 12)}}, {"last_visit_at": None}]},
               {"total_spend": {"$gt": 20000}}]}),
    ("vip or wholesale users in Bangalore or Pune",
     {"$and": [{"tags": {"$in": ["vip", "wholesale"]}}, {"city": {"$in": ["Bengaluru", "Pune"]}}]}),
    ("users not in Delhi or Mumbai who are on the pro plan",
     {"$and": [{"city": {"$nin": ["Delhi", "Mumbai"]}}, {"plan": "pro"}]}),
    ("joined last month", {"signup_date": {"$gte": _at(2026, 10, 1), "$lt": _at(2026, 11, 1)}}),
    ("signed up last week", {"signup_date": {"$gte": _at(2026, 11, 16), "$lt": _at(2026, 11, 23)}}),
    ("haven't visited since March 2026",
     {"$or": [{"last_visit_at": {"$lt": _at(2026, 3, 1)}}, {"last_visit_at": None}]}),
    ("ordered in the last 2 weeks", {"last_order_at": {"$gte": _at(2026, 11, 10, 12)}}),
    ("users who never ordered", {"last_order_at": None}),
    ("no orders", {"orders": 0}),
    ("users aged 25-34 from India", {"$and": [{"age": {"$gte": 25, "$lte": 34}}, {"country": "IN"}]}),
    ("email subscribers with at least 3 orders", {"$and": [{"email_opt_in": True}, {"orders": {"$gte": 3}}]}),
    ("opted out of email", {"email_opt_in": {"$ne": True}}),
    ("signed up in 2025 and spent 50k+",
     {"$and": [{"signup_date": {"$gte": _at(2025, 1, 1), "$lt": _at(2026, 1, 1)}}, {"total_spend": {"$gte": 50000}}]}),
    ("signed up after 2025-06-01", {"signup_date": {"$gte": _at(2025, 6, 2)}}),
    ("signed up since 2025-06-01", {"signup_date": {"$gte": _at(2025, 6, 1)}}),
    ("signed up before 2025-06-01", {"signup_date": {"$lt": _at(2025, 6, 1)}}),
    ("last seen more than 3 months ago", {"last_visit_at": {"$lt": _at(2026, 8, 24, 12)}}),
    ("more than 20 visits or more than 5 orders, in Chennai",
     {"$and": [{"$or": [{"visits": {"$gt": 20}}, {"orders": {"$gt": 5}}]}, {"city": "Chennai"}]}),
    ("users in Hyderabad who spent over 10k or have more than 8 orders",
     {"$and": [{"city": "Hyderabad"}, {"$or": [{"total_spend": {"$gt": 10000}}, {"orders": {"$gt": 8}}]}]}),
    ("enterprise accounts outside the US", {"$and": [{"plan": "enterprise"}, {"country": {"$ne": "US"}}]}),
    ("paid users", {"plan": {"$ne": "free"}}),
    ("signed up this year", {"signup_date": {"$gte": _at(2026, 1, 1)}}),
    ("users who signed up in March", {"signup_date": {"$gte": _at(2026, 3, 1), "$lt": _at(2026, 4, 1)}}),
    ("not tagged churn-risk and visited in the last 30 days",
     {"$and": [{"tags": {"$ne": "churn-risk"}}, {"last_visit_at": {"$gte": _at(2026, 10, 25, 12)}}]}),
]


def _ids(db: Any, mongo_filter: dict[str, Any]) -> set[str]:
    return {d["user_id"] for d in db.users.find(mongo_filter, {"user_id": 1, "_id": 0})}


def test_phrasings_select_the_reference_users(sample_db: Any) -> None:
    failures = []
    for text, reference in SAME_USERS:
        ours = _ids(sample_db, to_mongo_filter(parse(text, CATALOG, NOW).rule, CATALOG, NOW))
        expected = _ids(sample_db, reference)
        assert expected, f"reference filter of {text!r} selects nobody: a weak check"
        if ours != expected:
            failures.append(f"{text!r}: {len(ours)} users, expected {len(expected)}")
    assert not failures, "\n".join(failures)


# Requests that must be refused, and the words the refusal must name.
REFUSALS = [
    ("users who like cats", ["like", "cats"]),
    ("spent over 5k and love pizza", ["love", "pizza"]),
    ("users in Atlantis", ["Atlantis"]),
    ("vip users who are happy", ["happy"]),
    ("customers with blue eyes", ["blue", "eyes"]),
    ("visited recently", ["recently"]),
    ("spent a lot", ["lot"]),
    ("teenagers", ["teenagers"]),
    ("users with high spend", ["high"]),
    ("users who spent more than average", ["average"]),
    ("orders > 5 and favourite colour is red", ["favourite", "colour", "red"]),
]


@pytest.mark.parametrize(("text", "words"), REFUSALS)
def test_refusal_names_the_words_not_understood(text: str, words: list[str]) -> None:
    with pytest.raises(ParseRefusal) as err:
        parse(text, CATALOG, NOW)
    for word in words:
        assert word in err.value.not_understood
        assert f"'{word}'" in err.value.message


def test_refusal_says_what_was_understood() -> None:
    with pytest.raises(ParseRefusal) as err:
        parse("spent over 5k and love pizza", CATALOG, NOW)
    assert err.value.understood == ["total spend more than ₹5,000"]


@pytest.mark.parametrize("text", [
    "spent 5k in the last month",
    "visited more than 10 times in the last month",
    "more than 3 orders this year",
])
def test_a_lifetime_total_is_never_limited_to_a_time_window(text: str) -> None:
    with pytest.raises(ParseRefusal, match="lifetime total"):
        parse(text, CATALOG, NOW)


@pytest.mark.parametrize("text", ["active users", "inactive users", "dormant customers"])
def test_activity_without_a_time_window_is_refused(text: str) -> None:
    with pytest.raises(ParseRefusal, match="over what time"):
        parse(text, CATALOG, NOW)


@pytest.mark.parametrize("text", ["all users", "everyone", "show me customers", "   ", "", "?!"])
def test_no_condition_at_all_is_refused(text: str) -> None:
    with pytest.raises(ParseRefusal):
        parse(text, CATALOG, NOW)


@pytest.mark.parametrize("text", ["vip or customers", "(visits > 5", "visits > 5)", "in the last month"])
def test_half_a_request_is_refused(text: str) -> None:
    with pytest.raises(ParseRefusal):
        parse(text, CATALOG, NOW)


def test_a_closed_field_rejects_an_unknown_value_naming_the_allowed_ones() -> None:
    with pytest.raises(RuleError, match="free, pro, enterprise"):
        parse("plan = gold", CATALOG, NOW)


ASSUMPTIONS = [
    ("spent over 5k", "'over 5k' read as ₹5,000 of total spend"),
    ("haven't visited in 5 months", "'5 months' counted back from now as calendar months"),
    ("signed up in March", "'March' read as March 2026"),
    ("over 60", "'over 60' read as age (no other field was named)"),
    ("vists over 10", "'vists' read as 'visits'"),
    ("big spenders: total_spend > 100000", "'big spenders' taken as a name for the group, not a condition"),
    ("never visited", "'never visited' read as no last visit recorded"),
    ("paid users", "'paid' read as plan other than free"),
    ("users in Delhi and Mumbai", "'Delhi and Mumbai' read as any of Delhi, Mumbai (a user has one city)"),
]


@pytest.mark.parametrize(("text", "note"), ASSUMPTIONS)
def test_assumptions_are_shown(text: str, note: str) -> None:
    reading = parse(text, CATALOG, NOW)
    assert note in reading.assumptions
    assert reading.source == "grammar"


def test_no_assumption_when_nothing_was_assumed() -> None:
    assert parse("visits > 50 and plan = pro", CATALOG, NOW).assumptions == ()


def test_a_bare_month_in_the_future_means_last_year() -> None:
    assert read("signed up in December") == {"field": "signup_date", "op": "on", "value": "2025-12"}


@pytest.mark.parametrize("typo", ["vists", "visists", "vistis", "ordrs", "purchses", "spnet"])
def test_small_typos_in_field_words_are_forgiven(typo: str) -> None:
    reading = parse(f"{typo} more than 3", CATALOG, NOW)
    assert isinstance(reading.rule, Condition)
    assert reading.rule.op == "gt"


def test_typos_are_only_forgiven_in_words_of_four_letters_or_more() -> None:
    with pytest.raises(ParseRefusal):
        parse("vip users in Pun", CATALOG, NOW)


# Custom fields: added to the catalog as data, understood without code changes.
CUSTOM = CATALOG.with_fields([
    Field.from_json({"name": "loyalty_points", "type": "int", "label": "loyalty points",
                     "synonyms": ["points", "loyalty points"], "unit": "points"}),
    Field.from_json({"name": "region", "type": "string", "label": "region", "synonyms": ["region", "zone"],
                     "values": ["North", "South", "West", "East"], "aliases": {"northern": "North"}}),
    Field.from_json({"name": "renewal_date", "type": "datetime", "label": "renewal date",
                     "synonyms": ["renewal", "renewed"], "verb": "renewed"}),
    Field.from_json({"name": "sms_opt_in", "type": "bool", "label": "sms opt-in",
                     "synonyms": ["sms subscribers"], "true_phrase": "opted in to sms",
                     "false_phrase": "not opted in to sms", "consent_channel": "sms"}),
    Field.from_json({"name": "interests", "type": "array", "label": "interests", "synonyms": ["interests"],
                     "values": ["cricket", "fashion", "travel"]}),
])

CUSTOM_READINGS = [
    ("more than 500 points", {"field": "loyalty_points", "op": "gt", "value": 500}),
    ("loyalty_points > 500", {"field": "loyalty_points", "op": "gt", "value": 500}),
    ("at least 1k loyalty points and in Pune",
     {"all": [{"field": "loyalty_points", "op": "gte", "value": 1000}, {"field": "city", "op": "eq", "value": "Pune"}]}),
    ("users in North", {"field": "region", "op": "eq", "value": "North"}),
    ("users in the northern region", {"field": "region", "op": "eq", "value": "North"}),
    ("users in North or South", {"field": "region", "op": "in", "value": ["North", "South"]}),
    ("region != West", {"field": "region", "op": "ne", "value": "West"}),
    ("renewed in the last 30 days", {"field": "renewal_date", "op": "within_last", "value": {"amount": 30, "unit": "day"}}),
    ("haven't renewed in 1 year", {"field": "renewal_date", "op": "not_within_last", "value": {"amount": 1, "unit": "year"}}),
    ("opted in to sms", {"field": "sms_opt_in", "op": "is", "value": True}),
    ("opted in to email", {"field": "email_opt_in", "op": "is", "value": True}),
    ("unsubscribed from sms", {"field": "sms_opt_in", "op": "is", "value": False}),
    ("interests has cricket", {"field": "interests", "op": "has", "value": "cricket"}),
    ("interests has cricket or travel", {"field": "interests", "op": "has_any", "value": ["cricket", "travel"]}),
]


@pytest.mark.parametrize(("text", "expected"), CUSTOM_READINGS, ids=[t for t, _ in CUSTOM_READINGS])
def test_custom_catalog_fields_are_understood(text: str, expected: dict[str, Any]) -> None:
    assert read(text, CUSTOM) == expected


def test_custom_fields_are_unknown_to_the_default_catalog() -> None:
    with pytest.raises(ParseRefusal):
        parse("more than 500 points", CATALOG, NOW)


@pytest.mark.parametrize("text", [t for t, _ in CUSTOM_READINGS])
def test_custom_field_renderings_read_back(text: str) -> None:
    rule = parse(text, CUSTOM, NOW).rule
    again = parse(describe(rule, CUSTOM), CUSTOM, NOW).rule
    assert to_mongo_filter(again, CUSTOM, NOW) == to_mongo_filter(rule, CUSTOM, NOW)


def test_interpret_goes_through_the_grammar() -> None:
    from segcore.interpret import interpret

    reading = interpret("pro users in Delhi who spent over 10k", CATALOG, NOW, engine="grammar")
    assert rule_to_json(reading.rule) == {"all": [
        {"field": "plan", "op": "eq", "value": "pro"},
        {"field": "city", "op": "eq", "value": "Delhi"},
        {"field": "total_spend", "op": "gt", "value": 10000},
    ]}


@pytest.mark.parametrize("text", [
    "(" * 900 + "visits > 5" + ")" * 900,
    "not (" * 300 + "vip" + ")" * 300,
])
def test_deep_nesting_is_refused_not_a_crash(text: str) -> None:
    with pytest.raises(ParseRefusal, match="nested"):
        parse(text, CATALOG, NOW)


@pytest.mark.parametrize(("text", "expected"), [
    ("visitd in the last week", {"field": "last_visit_at", "op": "within_last", "value": {"amount": 1, "unit": "week"}}),
    ("havnt ordered in 60 days", {"field": "last_order_at", "op": "not_within_last", "value": {"amount": 60, "unit": "day"}}),
    ("users in Banglore", {"field": "city", "op": "eq", "value": "Bengaluru"}),
    ("users in Hyderbad", {"field": "city", "op": "eq", "value": "Hyderabad"}),
    ("users with an email address containing gmail", {"field": "email", "op": "contains", "value": "gmail"}),
])
def test_typos_that_fit_the_request(text: str, expected: dict[str, Any]) -> None:
    assert read(text) == expected
