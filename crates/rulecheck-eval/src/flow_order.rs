//! The order of flow routes.
//!
//! With `term-order standard`, routes are ordered as RFC 8955 §5.1 says: components are compared type by
//! type (destination prefix first, then source prefix, then the others); a route that has a component
//! comes before one that lacks it; of two overlapping prefixes the longer (more specific) comes first, of
//! two disjoint ones the lower; other components compare by their values, lowest first. Ties keep
//! configuration order. With the Junos default `legacy` order the RFC order is not promised, so rulecheck
//! keeps configuration order and reports overlapping routes with different actions as ambiguous (RC305).

use std::cmp::Ordering;

use rulecheck_syntax::model::{Condition, FlowRoute, FlowTable, MatchField, TermOrder, Values};

/// The routes of `table` in evaluation order.
pub fn ordered(table: &FlowTable) -> Vec<&FlowRoute> {
    let mut routes: Vec<&FlowRoute> = table.routes.iter().collect();
    if table.term_order == TermOrder::Standard {
        routes.sort_by(|a, b| compare(a, b));
    }
    routes
}

/// RFC 8955 component types, in comparison order.
const ORDER: &[MatchField] = &[
    MatchField::DestinationAddress,
    MatchField::SourceAddress,
    MatchField::Protocol,
    MatchField::Port,
    MatchField::DestinationPort,
    MatchField::SourcePort,
    MatchField::IcmpType,
    MatchField::IcmpCode,
    MatchField::TcpFlags,
    MatchField::PacketLength,
    MatchField::Dscp,
    MatchField::Fragment,
];

fn component(route: &FlowRoute, field: MatchField) -> Option<&Condition> {
    route.conditions.iter().find(|c| c.field == field)
}

fn compare(a: &FlowRoute, b: &FlowRoute) -> Ordering {
    for &field in ORDER {
        let ordering = match (component(a, field), component(b, field)) {
            (None, None) => Ordering::Equal,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(x), Some(y)) => compare_values(&x.values, &y.values),
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

fn compare_values(a: &Values, b: &Values) -> Ordering {
    match (a, b) {
        (Values::Addresses(x), Values::Addresses(y)) => match (x.first(), y.first()) {
            (Some(p), Some(q)) => {
                let (lp, lq) = (p.address.mask.count_ones(), q.address.mask.count_ones());
                let common = p.address.mask & q.address.mask;
                if p.address.bits & common == q.address.bits & common {
                    // Overlapping: the longer prefix has precedence.
                    lq.cmp(&lp)
                } else {
                    p.address.bits.cmp(&q.address.bits)
                }
            }
            _ => Ordering::Equal,
        },
        (Values::Ranges(x), Values::Ranges(y)) => {
            let key = |r: &[rulecheck_syntax::model::ValueRange]| {
                r.iter().map(|v| (v.lo, v.hi)).collect::<Vec<_>>()
            };
            key(x).cmp(&key(y))
        }
        (Values::Bits(x), Values::Bits(y)) => x.0.cmp(&y.0),
        (Values::Fragments(x), Values::Fragments(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}
