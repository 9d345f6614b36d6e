"""factory_boy factories for synthetic worlds: tests that need a program, teams, phases or budget lines
but not the shipped program file build them here, with only the values they care about stated.

Every factory gives valid rows with readable defaults; sequences keep codes and names unique within a test.
"""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from budget.models import BudgetLine, CategoryCap
from consortia.models import Consortium, FoundationModel, Organization, Partnership, Program
from evaluations.models import Phase


class ProgramFactory(DjangoModelFactory):
    class Meta:
        model = Program

    code = factory.Sequence(lambda n: f"T-PROG-{n}")
    name_ko = factory.LazyAttribute(lambda o: o.code)
    name_en = factory.LazyAttribute(lambda o: o.code)
    ministry = "MSIT"
    start_date = dt.date(2025, 8, 4)


class OrganizationFactory(DjangoModelFactory):
    """get_or_create by English name, as the program file's organizations are matched."""

    class Meta:
        model = Organization
        django_get_or_create = ("name_en",)

    name_en = factory.Sequence(lambda n: f"Organization {n}")
    name_ko = factory.LazyAttribute(lambda o: o.name_en)
    kind = Organization.Kind.COMPANY


class ConsortiumFactory(DjangoModelFactory):
    class Meta:
        model = Consortium

    program = factory.SubFactory(ProgramFactory)
    code = factory.Sequence(lambda n: f"TEAM{n}")
    name = factory.LazyAttribute(lambda o: f"{o.code} consortium")
    lead = factory.SubFactory(OrganizationFactory)
    joined_on = dt.date(2025, 8, 4)


class PartnershipFactory(DjangoModelFactory):
    class Meta:
        model = Partnership

    consortium = factory.SubFactory(ConsortiumFactory)
    organization = factory.SubFactory(OrganizationFactory)
    joined_on = factory.LazyAttribute(lambda o: o.consortium.joined_on)


class FoundationModelFactory(DjangoModelFactory):
    class Meta:
        model = FoundationModel

    consortium = factory.SubFactory(ConsortiumFactory)
    name = factory.Sequence(lambda n: f"Model-{n}")


class PhaseFactory(DjangoModelFactory):
    class Meta:
        model = Phase

    program = factory.SubFactory(ProgramFactory)
    code = factory.Sequence(lambda n: f"P{n}")
    order = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"Phase {o.code}")
    teams_advancing = 1


class BudgetLineFactory(DjangoModelFactory):
    class Meta:
        model = BudgetLine

    program = factory.SubFactory(ProgramFactory)
    code = factory.Sequence(lambda n: f"LINE-{n}")
    name = factory.LazyAttribute(lambda o: o.code)
    fiscal_year = 2025


class CategoryCapFactory(DjangoModelFactory):
    class Meta:
        model = CategoryCap

    program = factory.SubFactory(ProgramFactory)
