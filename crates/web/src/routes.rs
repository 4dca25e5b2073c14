//! Every route is registered here with who may reach it and what data it shows, so
//! access is declared in one place and the route table the tests walk (the scope-leak
//! matrix, the sign-in and permission checks) is the router itself.

use crate::AppState;
use crate::auth::{require_permission, require_signed_in};
use axum::Router;
use axum::routing::MethodRouter;
use domain::Action;

/// Who may reach a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (login page, health, assets).
    Public,
    /// Any signed-in account.
    SignedIn,
    /// Signed-in accounts whose roles allow the action.
    Permitted(Action),
}

/// What a route reads, for the scope tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Data {
    /// Nothing from the database that belongs to anyone.
    None,
    /// The city's structure (regions, parks, industries): the same for everyone.
    Structure,
    /// The signed-in account's own things (profile, tokens).
    Own,
    /// Administration data, guarded by a permission (accounts, audit).
    Admin,
    /// What a signed link (an employee's personal declaration link) opens: the link's
    /// own record and nothing else, for whoever holds the link.
    Link,
    /// Data restricted by the account's scope; the name is the kind of record. Every
    /// such route must have an entry in the scope-leak matrix test.
    Scoped(&'static str),
}

#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub path: &'static str,
    /// "GET", "POST", or "GET POST".
    pub methods: &'static str,
    pub access: Access,
    pub data: Data,
}

#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    specs: Vec<RouteSpec>,
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a route; the access rule is applied here as a layer on the route itself.
    pub fn add(
        mut self,
        path: &'static str,
        methods: &'static str,
        access: Access,
        data: Data,
        handler: MethodRouter<AppState>,
    ) -> Self {
        let handler = match access {
            Access::Public => handler,
            Access::SignedIn => handler.route_layer(axum::middleware::from_fn(require_signed_in)),
            Access::Permitted(action) => {
                handler.route_layer(axum::middleware::from_fn(move |req, next| {
                    require_permission(action, req, next)
                }))
            }
        };
        self.router = self.router.route(path, handler);
        self.specs.push(RouteSpec {
            path,
            methods,
            access,
            data,
        });
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.specs.extend(other.specs);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteSpec>) {
        (self.router, self.specs)
    }
}
