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

    /// Adds one unit of flow from `s` to `t` along a cheapest path in the residual
    /// graph, keeping the potentials valid; false when `t` cannot be reached.
    ///
    /// Sources are added one at a time (the incremental form of the Hungarian
    /// method): each search starts at one enterprise and stops when it reaches the
    /// sink, so it explores only the neighbourhood that matters, and after every step
    /// the flow so far is a cheapest one for the enterprises added so far.
    fn augment(
        &mut self,
        s: usize,
        t: usize,
        potential: &mut [i64],
        dist: &mut [i64],
        prev: &mut [(usize, usize)],
        touched: &mut Vec<usize>,
    ) -> bool {
        for v in touched.drain(..) {
            dist[v] = i64::MAX;
        }
        dist[s] = 0;
        touched.push(s);
        let mut settled: Vec<usize> = Vec::new();
        let mut heap = BinaryHeap::new();
        heap.push(Reverse((0i64, s)));
        let mut reached = false;
        while let Some(Reverse((d, u))) = heap.pop() {
            if d > dist[u] {
                continue;
            }
            if u == t {
                reached = true;
                break;
            }
            settled.push(u);
            for (i, e) in self.adj[u].iter().enumerate() {
                if e.cap <= 0 {
                    continue;
                }
                let nd = d + e.cost + potential[u] - potential[e.to];
                if nd < dist[e.to] {
                    if dist[e.to] == i64::MAX {
                        touched.push(e.to);
                    }
                    dist[e.to] = nd;
                    prev[e.to] = (u, i);
                    heap.push(Reverse((nd, e.to)));
                }
            }
        }
        if !reached {
            return false;
        }
        // Settled nodes move by their distance, every other node by the sink's: reduced
        // costs stay non-negative (a node never reached has no edge from a settled one).
        let dt = dist[t];
        for p in potential.iter_mut() {
            *p += dt;
        }
        for &v in &settled {
            potential[v] += dist[v] - dt;
        }
        let mut v = t;
        while v != s {
            let (u, i) = prev[v];
            self.adj[u][i].cap -= 1;
            let rev = self.adj[u][i].rev;
            self.adj[v][rev].cap += 1;
            v = u;
        }
        true
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
    // Nodes: enterprises, cadres, sink.
    let e0 = 0;
    let c0 = e0 + ne;
    let t = c0 + nc;
    let mut g = Graph::new(t + 1);
    let mut offered: Vec<Vec<(usize, i64)>> = Vec::with_capacity(ne);
    for (i, p) in enterprises.iter().enumerate() {
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
    let n = t + 1;
    let (mut potential, mut dist, mut prev, mut touched) = (
        vec![0i64; n],
        vec![i64::MAX; n],
        vec![(0, 0); n],
        Vec::new(),
    );
    for i in 0..ne {
        g.augment(
            e0 + i,
            t,
            &mut potential,
            &mut dist,
            &mut prev,
            &mut touched,
        );
    }
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
