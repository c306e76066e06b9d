//! The client against the Odoo double over real HTTP: every error kind, a
//! timeout, retries of reads only, and no secret in debug output.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use connector::domain::field;
use connector::records::ProductTemplate;
use connector::xmlrpc::{Fault, Struct, Value};
use connector::{Client, Credentials, Domain, Error, ErrorKind, FaultKind};
use odoo_double::{Dataset, Misbehaviour, OdooDouble};

async fn double() -> (OdooDouble, Client) {
    let double = OdooDouble::start(Dataset::shop()).await.unwrap();
    let client = client_for(&double).build().unwrap();
    (double, client)
}

fn client_for(double: &OdooDouble) -> connector::ClientBuilder {
    let dataset = Dataset::shop();
    let admin = dataset.technical_user().unwrap();
    Client::builder(double.url())
        .database(double.db())
        .credentials(Credentials::new(&admin.login, &admin.password))
        .retry_backoff(Duration::from_millis(1))
}

fn search(client: &Client) -> connector::client::Query<'_, Vec<i64>> {
    client.model("product.template").search(field("sale_ok").eq(true))
}

#[tokio::test]
async fn a_slow_odoo_is_a_timeout() {
    let (double, _) = double().await;
    let client = client_for(&double)
        .timeout(Duration::from_millis(200))
        .read_retries(0)
        .build()
        .unwrap();
    client.uid().await.unwrap();
    double.set_latency(Duration::from_secs(5));
    let err = search(&client).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.is_transient());
    double.set_latency(Duration::ZERO);
    assert!(!search(&client).send().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_stopped_odoo_is_a_transport_error_and_a_resumed_one_answers() {
    let (double, client) = double().await;
    client.uid().await.unwrap();
    double.stop().await;
    let err = search(&client).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(matches!(err, Error::Transport { status: None, .. }), "{err:?}");
    double.resume().await.unwrap();
    assert!(!search(&client).send().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_http_error_page_is_a_transport_error_with_its_status() {
    let (double, client) = double().await;
    client.uid().await.unwrap();
    double.misbehave(Misbehaviour::HttpStatus(502));
    let err = search(&client).send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                status: Some(502),
                ..
            }
        ),
        "{err:?}"
    );
    double.heal();
}

#[tokio::test]
async fn malformed_and_truncated_answers_are_decoding_errors() {
    let (double, client) = double().await;
    client.uid().await.unwrap();
    for misbehaviour in [Misbehaviour::MalformedXml, Misbehaviour::TruncatedBody] {
        double.misbehave(misbehaviour.clone());
        let err = search(&client).send().await.unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::Decode | ErrorKind::Transport),
            "{misbehaviour:?}: {err}"
        );
        double.heal();
    }
    double.misbehave(Misbehaviour::MalformedXml);
    let err = search(&client).send().await.unwrap_err();
    assert!(matches!(err, Error::Xml { .. }), "{err:?}");
    double.heal();
}

#[tokio::test]
async fn faults_map_to_kinds() {
    let (double, client) = double().await;
    client.uid().await.unwrap();
    let cases = [
        (
            1,
            "Traceback (most recent call last):\n  File \"x\"\nValueError: boom",
            FaultKind::Application,
        ),
        (
            2,
            "The operation cannot be completed: missing pickup",
            FaultKind::Validation,
        ),
        (
            2,
            "Record does not exist or has been deleted.\n(Record: res.partner(9,), User: 2)",
            FaultKind::MissingRecord,
        ),
        (
            2,
            "L'enregistrement n'existe pas ou a été supprimé.\n(Enregistrement : res.partner(9,), Utilisateur : 2)",
            FaultKind::MissingRecord,
        ),
        (2, "Object product.template doesn't exist", FaultKind::UnknownModel),
        (2, "L'objet product.template n'existe pas", FaultKind::UnknownModel),
        (3, "Access Denied", FaultKind::AccessDenied),
        (
            4,
            "You are not allowed to modify 'Contact' (res.partner) records.",
            FaultKind::AccessError,
        ),
        (7, "odd", FaultKind::Other(7)),
    ];
    for (code, string, kind) in cases {
        double.fail_with(
            Fault {
                code,
                string: string.into(),
            },
            Some(1),
        );
        let err = search(&client).send().await.unwrap_err();
        assert_eq!(err.fault_kind(), Some(kind), "{err}");
        if code == 1 {
            assert!(err.to_string().ends_with("ValueError: boom"), "{err}");
        }
        // Faults are answers: not retried.
        assert!(!err.is_transient());
    }
    assert!(!search(&client).send().await.unwrap().is_empty());
}

#[tokio::test]
async fn reads_are_retried_and_writes_are_not() {
    let (double, client) = double().await;
    let client_retrying = client_for(&double).read_retries(2).build().unwrap();
    client_retrying.uid().await.unwrap();
    client.uid().await.unwrap();

    double.clear_calls();
    double.misbehave_times(Misbehaviour::HttpStatus(503), 2);
    assert!(!search(&client_retrying).send().await.unwrap().is_empty());
    assert_eq!(double.calls().len(), 3, "two failures then success");

    double.clear_calls();
    double.misbehave_times(Misbehaviour::HttpStatus(503), 1);
    let values = Struct::new().with("name", "Retry test");
    let err = client_retrying
        .model("crm.tag")
        .create(values)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                status: Some(503),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(double.calls().len(), 1, "a create is never retried");
}

#[tokio::test]
async fn a_decoding_error_names_the_field() {
    let bad = r#"<?xml version="1.0"?><methodResponse><params><param><value><array><data>
<value><struct><member><name>id</name><value><int>1</int></value></member>
<member><name>list_price</name><value><string>cheap</string></value></member></struct></value>
</data></array></value></param></params></methodResponse>"#;
    let server = support::serve(move |_, body| {
        let call = connector::xmlrpc::decode_call(&body).unwrap();
        if call.method == "authenticate" {
            return (
                200,
                connector::xmlrpc::encode_response(&Value::Int(2)).into_bytes(),
            );
        }
        (200, bad.as_bytes().to_vec())
    })
    .await;
    let client = Client::builder(server.url())
        .database("db")
        .credentials(Credentials::new("u", "p"))
        .build()
        .unwrap();
    let err = client
        .model("product.template")
        .search_read(Domain::All)
        .returning::<Vec<ProductTemplate>>()
        .send()
        .await
        .unwrap_err();
    let Error::Decode { field, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(field.contains("[0]"), "{err}");
    assert_eq!(err.kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn an_api_key_works_in_place_of_the_password() {
    let (double, _) = double().await;
    let dataset = Dataset::shop();
    let admin = dataset.technical_user().unwrap();
    let key = admin.api_key.clone().expect("the technical user has an API key");
    let client = Client::builder(double.url())
        .database(double.db())
        .credentials(Credentials::new(&admin.login, &key))
        .build()
        .unwrap();
    assert!(!search(&client).send().await.unwrap().is_empty());
}

#[tokio::test]
async fn secrets_never_show_in_debug_output_or_errors() {
    let (double, _) = double().await;
    let secret = "s3cret-Passw0rd";
    let client = client_for(&double)
        .credentials(Credentials::new("admin", secret))
        .build()
        .unwrap();
    let err = client.uid().await.unwrap_err();
    for shown in [
        format!("{client:?}"),
        format!("{:?}", Credentials::new("admin", secret)),
        format!("{err}"),
        format!("{err:?}"),
        format!(
            "{:?}",
            client_for(&double).credentials(Credentials::new("admin", secret))
        ),
    ] {
        assert!(!shown.contains(secret), "secret shown in {shown}");
    }
}

#[tokio::test]
async fn bad_configuration_is_refused() {
    for (url, db) in [
        ("ftp://odoo", "db"),
        ("odoo.example.com", "db"),
        ("http://odoo", ""),
    ] {
        let err = Client::builder(url).database(db).build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{url} {db}");
    }
}
