//! The deployment files: `docker compose config` (or `docker-compose`)
//! accepts docker-compose.yml (skipped, and said so, on a developer's
//! machine without either; a failure in CI), and the stack is wired as the
//! README says.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The compose command of this machine, if any.
fn compose() -> Option<Vec<&'static str>> {
    let works = |args: &[&str]| {
        Command::new(args[0])
            .args(&args[1..])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if works(&["docker", "compose", "version"]) {
        Some(vec!["docker", "compose"])
    } else if works(&["docker-compose", "version"]) {
        Some(vec!["docker-compose"])
    } else {
        None
    }
}

#[test]
fn docker_compose_accepts_the_stack() {
    let file = root().join("docker-compose.yml");
    let Some(compose) = compose() else {
        support::skip_unless_ci(
            "docker compose config",
            "no docker compose or docker-compose on this machine: apt-get install docker-compose",
        );
        return;
    };
    let output = Command::new(compose[0])
        .args(&compose[1..])
        .arg("-f")
        .arg(&file)
        .args(["config", "--quiet"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_stack_wires_postgres_odoo_and_the_storefront() {
    let text = std::fs::read_to_string(root().join("docker-compose.yml")).unwrap();
    for needle in [
        "image: postgres:",
        "image: odoo:18",
        "build: .",
        "--init=sale_management,website_sale,calendar,point_of_sale,pos_sale",
        "ODOO_URL: http://odoo:8069",
        "STOREFRONT_DATABASE_URL: postgres://",
        "127.0.0.1:8080:8080",
    ] {
        assert!(text.contains(needle), "docker-compose.yml lacks {needle:?}");
    }
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("cargo build --release --locked -p storefront"));
}
