"""Customers and vehicles kept from the ROs, and each customer's last visit per dealer."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.models import Customer, CustomerVisit, Vehicle
from survey_api.repair_orders.schemas import RepairOrderIn


@dataclass(frozen=True)
class Recognised:
    customer: Customer
    previous_visit_at: datetime | None
    """The customer's last delivery at this dealer before this RO, if any."""


@dataclass
class Known:
    """The customers, cars and visits a set of ROs may touch, loaded in three queries and kept current in memory."""

    by_phone: dict[str, Customer] = field(default_factory=dict)
    by_id: dict[str, Customer] = field(default_factory=dict)
    vehicles: dict[str, Vehicle] = field(default_factory=dict)
    visits: dict[tuple[str, str], CustomerVisit] = field(default_factory=dict)


async def load_known(*, session: AsyncSession, ros: Sequence[RepairOrderIn]) -> Known:
    known = Known()
    phones = {ro.customer.phone for ro in ros if ro.customer.phone}
    vins = {ro.vin for ro in ros}
    vehicles = (await session.execute(select(Vehicle).where(Vehicle.vin.in_(vins)))).scalars().all() if vins else []
    known.vehicles = {v.vin: v for v in vehicles}
    car_owners = {v.customer_id for v in vehicles if v.customer_id}
    query = select(Customer).where(Customer.phone.in_(phones) | Customer.id.in_(car_owners))
    for customer in (await session.execute(query)).scalars() if phones or car_owners else []:
        known.by_id[customer.id] = customer
        if customer.phone:
            known.by_phone[customer.phone] = customer
    keys = {(c, ro.dealer_code) for ro in ros for c in known.by_id}
    if keys:
        visits = await session.execute(
            select(CustomerVisit).where(tuple_(CustomerVisit.customer_id, CustomerVisit.dealer_code).in_(keys))
        )
        known.visits = {(v.customer_id, v.dealer_code): v for v in visits.scalars()}
    return known


def recognise(*, session: AsyncSession, known: Known, ro: RepairOrderIn, now: datetime, new_visit: bool) -> Recognised:
    """The RO's customer, found by normalised phone, else through the car; created when unknown."""
    customer = known.by_phone.get(ro.customer.phone) if ro.customer.phone else None
    vehicle = known.vehicles.get(ro.vin)
    if customer is None and vehicle is not None and vehicle.customer_id and not ro.customer.phone:
        customer = known.by_id.get(vehicle.customer_id)
    if customer is None:
        customer = Customer(
            id=str(uuid.uuid4()), phone=ro.customer.phone, name=ro.customer.name, created_at=now, updated_at=now
        )
        session.add(customer)
        known.by_id[customer.id] = customer
        if customer.phone:
            known.by_phone[customer.phone] = customer
    elif customer.name != ro.customer.name:
        customer.name, customer.updated_at = ro.customer.name, now

    if vehicle is None:
        vehicle = Vehicle(vin=ro.vin, updated_at=now)
        session.add(vehicle)
        known.vehicles[ro.vin] = vehicle
    vehicle.plate = ro.plate or vehicle.plate
    vehicle.customer_id = customer.id
    if ro.mileage_km is not None and (vehicle.last_mileage_km or 0) <= ro.mileage_km:
        vehicle.last_mileage_km = ro.mileage_km
    vehicle.updated_at = now

    key = (customer.id, ro.dealer_code)
    visit = known.visits.get(key)
    previous = visit.last_visit_at if visit is not None and visit.last_visit_at < ro.delivered_at else None
    if new_visit:
        if visit is None:
            visit = known.visits[key] = CustomerVisit(
                customer_id=customer.id, dealer_code=ro.dealer_code, last_visit_at=ro.delivered_at, visits=0
            )
            session.add(visit)
        visit.visits += 1
        visit.last_visit_at = max(visit.last_visit_at, ro.delivered_at)
    return Recognised(customer, previous)
