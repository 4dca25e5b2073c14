//! Suggested liaison assignments as a min-cost flow.
//!
//! Each uncovered enterprise needs one cadre; each cadre has `capacity` free places.
//! The cost of giving enterprise *e* to cadre *c* is the distance between them, plus a
//! load penalty that grows with each place the cadre fills (`LOAD_PENALTY_M` metres for
//! the first, twice that for the second, …), so the flow prefers the nearest cadre but
//! spreads enterprises over cadres of similar distance. The flow is the largest
//! possible (as many enterprises covered as capacity allows) and, among those, the
//! cheapest: successive shortest paths with Dijkstra on reduced costs (Johnson
//! potentials). To keep the graph small, each enterprise is offered only its
//! `CANDIDATES` nearest eligible cadres; the problem is solved separately for each
//! region a cadre of the level covers (a town's cadres serve only that town), so the
//! pieces are small.
//!
//! A greedy baseline (each enterprise in turn takes the nearest cadre with room) is
//! kept for the benchmark's comparison.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// An enterprise or a cadre on the map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub id: i64,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cadre {
    pub at: Point,
    /// Free places: maximum minus current load.
    pub capacity: usize,
    pub load: usize,
}

/// One proposal: enterprise → cadre, with why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proposal {
    pub enterprise: i64,
    pub cadre: i64,
    pub distance_km: f64,
    /// The cadre's load before this run.
    pub load_before: usize,
}

pub const CANDIDATES: usize = 12;
pub const LOAD_PENALTY_M: i64 = 300;

/// Great-circle distance in kilometres.
pub fn km(a: Point, b: Point) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dla = la2 - la1;
    let dlo = (b.lon - a.lon).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    6371.0 * 2.0 * h.sqrt().min(1.0).asin()
}

struct Edge {
    to: usize,
    rev: usize,
    cap: i64,
    cost: i64,
}

struct Graph {
    adj: Vec<Vec<Edge>>,
}

impl Graph {
    fn new(n: usize) -> Graph {
        Graph {
            adj: (0..n).map(|_| Vec::new()).collect(),
        }
    }

    fn add(&mut self, from: usize, to: usize, cap: i64, cost: i64) {
        let (rf, rt) = (self.adj[to].len(), self.adj[from].len());
        self.adj[from].push(Edge {
            to,
            rev: rf,
            cap,
            cost,
        });
        self.adj[to].push(Edge {
            to: from,
            rev: rt,
            cap: 0,
            cost: -cost,
        });
    }

    /// Successive shortest paths from `s` to `t`; returns the flow.
    fn min_cost_flow(&mut self, s: usize, t: usize) -> i64 {
        let n = self.adj.len();
        let mut potential = vec![0i64; n];
        let mut flow = 0;
        loop {
            let mut dist = vec![i64::MAX; n];
            let mut prev: Vec<(usize, usize)> = vec![(usize::MAX, usize::MAX); n];
            dist[s] = 0;
            let mut heap = BinaryHeap::new();
            heap.push(Reverse((0i64, s)));
            while let Some(Reverse((d, u))) = heap.pop() {
                if d > dist[u] {
                    continue;
                }
                if u == t {
                    break;
                }
                for (i, e) in self.adj[u].iter().enumerate() {
                    if e.cap <= 0 {
                        continue;
                    }
                    let nd = d + e.cost + potential[u] - potential[e.to];
                    if nd < dist[e.to] {
                        dist[e.to] = nd;
                        prev[e.to] = (u, i);
                        heap.push(Reverse((nd, e.to)));
                    }
                }
            }
            if dist[t] == i64::MAX {
                return flow;
            }
            // Nodes not settled before t keep reduced costs non-negative with dist[t].
            let dt = dist[t];
            for v in 0..n {
                potential[v] += dist[v].min(dt);
            }
            let mut v = t;
            while v != s {
                let (u, i) = prev[v];
                self.adj[u][i].cap -= 1;
                let rev = self.adj[u][i].rev;
                self.adj[v][rev].cap += 1;
                v = u;
            }
            flow += 1;
        }
    }
}

/// The `k` nearest of `cadres` to `p`, as (index, metres).
fn nearest(p: Point, cadres: &[Cadre], k: usize) -> Vec<(usize, i64)> {
    let mut all: Vec<(usize, i64)> = cadres
        .iter()
        .enumerate()
        .filter(|(_, c)| c.capacity > 0)
        .map(|(i, c)| (i, (km(p, c.at) * 1000.0).round() as i64))
        .collect();
    all.sort_by_key(|(_, m)| *m);
    all.truncate(k);
    all
}

/// Min-cost assignment of `enterprises` to `cadres` (one component: every cadre is
/// eligible for every enterprise).
pub fn assign(enterprises: &[Point], cadres: &[Cadre]) -> Vec<Proposal> {
    if enterprises.is_empty() || cadres.is_empty() {
        return Vec::new();
    }
    let (ne, nc) = (enterprises.len(), cadres.len());
    // Nodes: source, enterprises, cadres, sink.
    let s = 0;
    let e0 = 1;
    let c0 = e0 + ne;
    let t = c0 + nc;
    let mut g = Graph::new(t + 1);
    let mut offered: Vec<Vec<(usize, i64)>> = Vec::with_capacity(ne);
    for (i, p) in enterprises.iter().enumerate() {
        g.add(s, e0 + i, 1, 0);
        let near = nearest(*p, cadres, CANDIDATES);
        for (j, metres) in &near {
            g.add(e0 + i, c0 + j, 1, *metres);
        }
        offered.push(near);
    }
    for (j, c) in cadres.iter().enumerate() {
        // One edge per free place, each dearer than the last: a convex load cost.
        for slot in 0..c.capacity.min(ne) {
            g.add(c0 + j, t, 1, LOAD_PENALTY_M * (c.load + slot) as i64);
        }
    }
    g.min_cost_flow(s, t);
    let mut out = Vec::new();
    for i in 0..ne {
        for e in &g.adj[e0 + i] {
            if e.to >= c0 && e.to < t && e.cap == 0 {
                let j = e.to - c0;
                let metres = offered[i]
                    .iter()
                    .find(|(k, _)| *k == j)
                    .map(|(_, m)| *m)
                    .unwrap_or(0);
                out.push(Proposal {
                    enterprise: enterprises[i].id,
                    cadre: cadres[j].at.id,
                    distance_km: metres as f64 / 1000.0,
                    load_before: cadres[j].load,
                });
            }
        }
    }
    out
}

/// The greedy baseline: enterprises in order, each to the nearest cadre with room.
pub fn greedy(enterprises: &[Point], cadres: &[Cadre]) -> Vec<Proposal> {
    let mut room: Vec<usize> = cadres.iter().map(|c| c.capacity).collect();
    let mut out = Vec::new();
    for p in enterprises {
        let best = cadres
            .iter()
            .enumerate()
            .filter(|(j, _)| room[*j] > 0)
            .map(|(j, c)| (j, km(*p, c.at)))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((j, d)) = best {
            room[j] -= 1;
            out.push(Proposal {
                enterprise: p.id,
                cadre: cadres[j].at.id,
                distance_km: d,
                load_before: cadres[j].load,
            });
        }
    }
    out
}
