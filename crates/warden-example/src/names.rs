//! Name tables for people, teams and services. All fictional.

pub(crate) const FIRST: &[&str] = &[
    "aaron", "abigail", "adele", "ahmed", "aiko", "alana", "albert", "alicia", "amara", "ana", "andrei", "anika",
    "ben", "bianca", "boris", "bruno", "camila", "carlos", "chen", "chloe", "daniel", "dara", "david", "diego",
    "elena", "elif", "emma", "erik", "fatima", "felix", "fiona", "gabriel", "grace", "hana", "hugo", "ines", "isaac",
    "ivan", "jack", "jana", "javier", "jin", "julia", "kai", "karin", "kenji", "laila", "lars", "leo", "lucia",
    "malik", "marta", "mateo", "mei", "mila", "nadia", "nikhil", "nina", "noah", "olga", "omar", "paula", "pedro",
    "quinn", "rafael", "rosa", "ruth", "sara", "sofia", "stefan", "tariq", "thea", "tomas", "una", "victor", "wei",
    "yara", "yusuf", "zara", "zoltan",
];

pub(crate) const LAST: &[&str] = &[
    "abbott",
    "adeyemi",
    "alvarez",
    "andersson",
    "bauer",
    "becker",
    "bianchi",
    "brennan",
    "castro",
    "chandra",
    "costa",
    "dahl",
    "dubois",
    "eriksen",
    "farouk",
    "ferreira",
    "fischer",
    "gallagher",
    "garcia",
    "haddad",
    "hansen",
    "horvath",
    "ibrahim",
    "ito",
    "jansen",
    "kapoor",
    "keller",
    "kim",
    "kowalski",
    "larsen",
    "lindqvist",
    "lopez",
    "marino",
    "mendes",
    "moreau",
    "murphy",
    "nakamura",
    "novak",
    "okafor",
    "olsen",
    "park",
    "petrov",
    "quinlan",
    "ramos",
    "rossi",
    "sato",
    "schmidt",
    "silva",
    "sorensen",
    "suzuki",
    "tanaka",
    "torres",
    "varga",
    "vogel",
    "walsh",
    "weber",
    "yamamoto",
    "zhang",
    "zielinski",
];

/// Teams with their share of staff (percent).
pub(crate) const TEAMS: &[(&str, u32)] =
    &[("engineering", 40), ("data", 15), ("finance", 10), ("support", 15), ("ops", 20)];

pub(crate) const PRODUCT_TEAMS: &[&str] =
    &["fleet", "vision", "telemetry", "payments", "mapping", "firmware", "checkout", "planner", "dispatch"];

pub(crate) const SERVICES: &[&str] = &[
    "api",
    "web",
    "worker",
    "ingest",
    "scheduler",
    "billing",
    "telemetry",
    "vision",
    "mapper",
    "dispatch",
    "notifier",
    "search",
    "auth",
    "reports",
    "firmware-hub",
    "fleet-sync",
];

/// A team drawn with the weights of [`TEAMS`].
pub(crate) fn team(rng: &mut crate::rng::Rng) -> &'static str {
    let total: u32 = TEAMS.iter().map(|t| t.1).sum();
    let mut x = rng.below(u64::from(total)) as u32;
    for (name, w) in TEAMS {
        if x < *w {
            return name;
        }
        x -= w;
    }
    "engineering"
}

/// The `i`-th service name, numbered once the table runs out (`api`, …, `api-1`, …).
pub(crate) fn service(i: usize) -> String {
    let base = SERVICES[i % SERVICES.len()];
    match i / SERVICES.len() {
        0 => base.to_owned(),
        n => format!("{base}-{n}"),
    }
}
