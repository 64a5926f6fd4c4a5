"""Customers and vehicles kept from the ROs, and each customer's last visit per dealer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.models import Customer, CustomerVisit, Vehicle
from survey_api.repair_orders.schemas import RepairOrderIn


@dataclass(frozen=True)
class Recognised:
    customer: Customer
    previous_visit_at: datetime | None
    """The customer's last delivery at this dealer before this RO, if any."""


async def recognise(*, session: AsyncSession, ro: RepairOrderIn, now: datetime, new_visit: bool) -> Recognised:
    """The RO's customer, found by normalised phone, else through the car; created when unknown."""
    customer = None
    if ro.customer.phone:
        customer = (
            await session.execute(select(Customer).where(Customer.phone == ro.customer.phone))
        ).scalar_one_or_none()
    vehicle = await session.get(Vehicle, ro.vin)
    if customer is None and vehicle is not None and vehicle.customer_id and not ro.customer.phone:
        customer = await session.get(Customer, vehicle.customer_id)
    if customer is None:
        customer = Customer(
            id=str(uuid.uuid4()), phone=ro.customer.phone, name=ro.customer.name, created_at=now, updated_at=now
        )
        session.add(customer)
    elif customer.name != ro.customer.name:
        customer.name, customer.updated_at = ro.customer.name, now

    if vehicle is None:
        vehicle = Vehicle(vin=ro.vin, updated_at=now)
        session.add(vehicle)
    vehicle.plate = ro.plate or vehicle.plate
    vehicle.customer_id = customer.id
    if ro.mileage_km is not None and (vehicle.last_mileage_km or 0) <= ro.mileage_km:
        vehicle.last_mileage_km = ro.mileage_km
    vehicle.updated_at = now
    await session.flush()

    visit = await session.get(CustomerVisit, (customer.id, ro.dealer_code))
    previous = visit.last_visit_at if visit is not None and visit.last_visit_at < ro.delivered_at else None
    if new_visit:
        if visit is None:
            session.add(
                CustomerVisit(
                    customer_id=customer.id, dealer_code=ro.dealer_code, last_visit_at=ro.delivered_at, visits=1
                )
            )
        else:
            visit.visits += 1
            visit.last_visit_at = max(visit.last_visit_at, ro.delivered_at)
    return Recognised(customer, previous)
