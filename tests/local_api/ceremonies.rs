//! Whole ceremonies with a software authenticator, and the ways they must fail.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use crate::helpers::{Device, ORIGIN, RP_ID, ok_json, problem, session_of, spawn_api, token_of};

#[tokio::test]
async fn registering_gives_a_verify_token_that_decodes_to_every_field() {
    // Arrange
    let api = spawn_api().await;
    let mut device = Device::new();

    // Act
    let token = api.register(&mut device, "user-1", &["alice"]).await;
    let verified = ok_json(api.verify(&token).await).await;

    // Assert
    assert!(token.starts_with("verify_"));
    assert_eq!(verified["type"], "passkey_register");
    assert_eq!(verified["userId"], "user-1");
    assert_eq!(verified["rpId"], RP_ID);
    assert_eq!(verified["origin"], ORIGIN);
    assert_eq!(verified["success"], true);
    assert_eq!(verified["nickname"], "Test device");
    assert_eq!(verified["purpose"], Value::Null);
    let credential_id = verified["credentialId"].as_str().unwrap();
    assert!(STANDARD.decode(credential_id).is_ok(), "standard base64");
    let token_id = verified["tokenId"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(token_id).is_ok());
    for field in ["timestamp", "expiresAt"] {
        let date = verified[field].as_str().unwrap();
        assert!(date.ends_with('Z'), "{field} ends in Z: {date}");
        assert!(chrono::DateTime::parse_from_rfc3339(date).is_ok());
    }
}

#[tokio::test]
async fn signing_in_by_alias_gives_a_token_for_the_aliased_user() {
    // Arrange
    let api = spawn_api().await;
    let mut device = Device::new();
    api.register(&mut device, "user-1", &["alice"]).await;

    // Act
    let begun = api
        .signin_begin(json!({ "alias": "alice", "RPID": RP_ID, "Origin": ORIGIN }))
        .await;
    let credential = device.get(ORIGIN, &begun["data"]).await;
    let token = token_of(
        api.signin_complete(session_of(&begun), &credential, ORIGIN)
            .await,
    )
    .await;
    let verified = ok_json(api.verify(&token).await).await;

    // Assert
    assert_eq!(
        begun["data"]["allowCredentials"].as_array().unwrap().len(),
        1
    );
    assert_eq!(begun["data"]["rpId"], RP_ID);
    assert_eq!(verified["type"], "passkey_signin");
    assert_eq!(verified["userId"], "user-1");
    assert_eq!(verified["purpose"], "sign-in");
    assert_eq!(verified["credentialId"], {
        let raw = URL_SAFE_NO_PAD
            .decode(credential["rawId"].as_str().unwrap())
            .unwrap();
        json!(STANDARD.encode(raw))
    });
}

#[tokio::test]
async fn signing_in_by_user_id_allows_that_users_credentials() {
    // Arrange
    let api = spawn_api().await;
    let mut device = Device::new();
    api.register(&mut device, "user-2", &[]).await;

    // Act
    let response = api
        .sign_in(
            &mut device,
            json!({ "userId": "user-2", "RPID": RP_ID, "Origin": ORIGIN }),
        )
        .await;

    // Assert
    let verified = ok_json(api.verify(&token_of(response).await).await).await;
    assert_eq!(verified["userId"], "user-2");
}

#[tokio::test]
async fn discoverable_sign_in_finds_the_user_from_the_credential_alone() {
    // Arrange
    let api = spawn_api().await;
    let mut device = Device::new();
    api.register(&mut device, "user-3", &[]).await;

    // Act
    let begun = api
        .signin_begin(json!({ "RPID": RP_ID, "Origin": ORIGIN }))
        .await;
    let credential = device.get(ORIGIN, &begun["data"]).await;
    let response = api
        .signin_complete(session_of(&begun), &credential, ORIGIN)
        .await;

    // Assert
    assert_eq!(begun["data"]["allowCredentials"], json!([]));
    let verified = ok_json(api.verify(&token_of(response).await).await).await;
    assert_eq!(verified["userId"], "user-3");
}

#[tokio::test]
async fn a_verify_token_verifies_more_than_once() {
    // Arrange
    let api = spawn_api().await;
    let mut device = Device::new();
    let token = api.register(&mut device, "user-4", &[]).await;

    // Act
    let first = ok_json(api.verify(&token).await).await;
    let second = ok_json(api.verify(&token).await).await;

    // Assert
    assert_eq!(first["tokenId"], second["tokenId"]);
}

#[tokio::test]
async fn register_begin_excludes_existing_credentials_and_requires_a_resident_key() {
    // Arrange
    let api = spawn_api().await;
    let mut device = Device::new();
    api.register(&mut device, "user-5", &[]).await;
    let token = api.register_token("user-5", &[]).await;

    // Act
    let begun = api.register_begin(&token, RP_ID, ORIGIN).await;

    // Assert
    let data = &begun["data"];
    assert_eq!(data["excludeCredentials"].as_array().unwrap().len(), 1);
    assert_eq!(data["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(data["authenticatorSelection"]["requireResidentKey"], true);
    assert_eq!(data["user"]["id"], URL_SAFE_NO_PAD.encode("user-5"));
    assert_eq!(data["rp"], json!({ "id": RP_ID, "name": RP_ID }));
    assert_eq!(data["extensions"], json!({ "credProps": true }));
    assert!(begun["session"].as_str().unwrap().starts_with("session_"));
}

#[tokio::test]
async fn an_unknown_alias_gives_an_empty_allow_list() {
    // Arrange
    let api = spawn_api().await;

    // Act
    let begun = api
        .signin_begin(json!({ "alias": "nobody", "RPID": RP_ID, "Origin": ORIGIN }))
        .await;

    // Assert
    assert_eq!(begun["data"]["allowCredentials"], json!([]));
}

#[tokio::test]
async fn a_registration_from_another_origin_than_the_request_names_is_rejected() {
    // Arrange
    let api = spawn_api().await;
    let mut device = Device::new();
    let token = api.register_token("user-6", &[]).await;
    let begun = api.register_begin(&token, RP_ID, ORIGIN).await;
    let credential = device.create(ORIGIN, &begun["data"]).await;

    // Act
    let response = api
        .register_complete(
            session_of(&begun),
            &credential,
            "https://elsewhere.example.test",
        )
        .await;

    // Assert
    let body = problem(response, 400).await;
    assert_eq!(body["errorCode"], "fido2_invalid_registration");
}

#[tokio::test]
async fn a_sign_in_from_another_origin_than_the_request_names_is_rejected() {
    // Arrange
    let api = spawn_api().await;
    let mut device = Device::new();
    api.register(&mut device, "user-7", &[]).await;
    let begun = api
        .signin_begin(json!({ "RPID": RP_ID, "Origin": ORIGIN }))
        .await;
    let credential = device.get(ORIGIN, &begun["data"]).await;

    // Act
    let response = api
        .signin_complete(
            session_of(&begun),
            &credential,
            "https://elsewhere.example.test",
        )
        .await;

    // Assert
    let body = problem(response, 400).await;
    assert_eq!(body["errorCode"], "signin_complete_error");
}

#[tokio::test]
async fn a_credential_made_for_another_rp_id_is_rejected() {
    // Arrange: the server asks for login.example.test, the authenticator is
    // told example.test (a valid RP ID for that origin, but not the one begun).
    let api = spawn_api().await;
    let mut device = Device::new();
    let origin = "https://login.example.test";
    let token = api.register_token("user-8", &[]).await;
    let begun = api
        .register_begin(&token, "login.example.test", origin)
        .await;
    let mut options = begun["data"].clone();
    options["rp"]["id"] = json!(RP_ID);
    let credential = device.create(origin, &options).await;

    // Act
    let response = api
        .register_complete(session_of(&begun), &credential, origin)
        .await;

    // Assert
    let body = problem(response, 400).await;
    assert_eq!(body["errorCode"], "fido2_invalid_registration");
}

#[tokio::test]
async fn a_tampered_signature_is_rejected() {
    // Arrange
    let api = spawn_api().await;
    let mut device = Device::new();
    api.register(&mut device, "user-9", &[]).await;
    let begun = api
        .signin_begin(json!({ "RPID": RP_ID, "Origin": ORIGIN }))
        .await;
    let mut credential = device.get(ORIGIN, &begun["data"]).await;
    let signature = credential["response"]["signature"].as_str().unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    credential["response"]["signature"] = json!(URL_SAFE_NO_PAD.encode(bytes));

    // Act
    let response = api
        .signin_complete(session_of(&begun), &credential, ORIGIN)
        .await;

    // Assert
    let body = problem(response, 400).await;
    assert_eq!(body["errorCode"], "signin_complete_error");
}

#[tokio::test]
async fn a_sign_counter_that_goes_backwards_is_rejected() {
    // Arrange
    let api = spawn_api().await;
    let mut device = Device::with_counter();
    api.register(&mut device, "user-10", &[]).await;
    let begin = json!({ "userId": "user-10", "RPID": RP_ID, "Origin": ORIGIN });
    token_of(api.sign_in(&mut device, begin.clone()).await).await;
    token_of(api.sign_in(&mut device, begin.clone()).await).await;
    // A cloned authenticator would still be at an older count.
    device.passkey_mut().counter = Some(0);

    // Act
    let response = api.sign_in(&mut device, begin).await;

    // Assert
    let body = problem(response, 400).await;
    assert_eq!(body["errorCode"], "signin_complete_error");
}

#[tokio::test]
async fn an_unknown_credential_is_rejected_naming_its_id() {
    // Arrange
    let api = spawn_api().await;
    let mut device = Device::new();
    api.register(&mut device, "user-11", &[]).await;
    let deleted = api
        .backend_post("/users/delete", json!({ "userId": "user-11" }))
        .await;
    assert_eq!(deleted.status(), 200);
    let begun = api
        .signin_begin(json!({ "RPID": RP_ID, "Origin": ORIGIN }))
        .await;
    let credential = device.get(ORIGIN, &begun["data"]).await;

    // Act
    let response = api
        .signin_complete(session_of(&begun), &credential, ORIGIN)
        .await;

    // Assert
    let body = problem(response, 400).await;
    assert_eq!(body["errorCode"], "unknown_credential");
    assert_eq!(body["title"], "We don't recognize the passkey you sent us.");
    assert_eq!(body["credentialId"], credential["id"]);
}

#[tokio::test]
async fn an_expired_register_token_is_refused_at_register_begin() {
    // Arrange
    let api = spawn_api().await;
    let expired = (chrono::Utc::now() - chrono::Duration::seconds(30)).to_rfc3339();
    let token = token_of(
        api.backend_post(
            "/register/token",
            json!({ "userId": "u", "username": "u", "expiresAt": expired }),
        )
        .await,
    )
    .await;

    // Act
    let response = api
        .browser_post(
            "/register/begin",
            json!({ "token": token, "RPID": RP_ID, "Origin": ORIGIN }),
        )
        .await;

    // Assert
    let body = problem(response, 403).await;
    assert_eq!(body["errorCode"], "expired_token");
    assert!(
        body["title"]
            .as_str()
            .unwrap()
            .starts_with("The token expired")
    );
}

#[tokio::test]
async fn registering_the_same_credential_twice_is_rejected() {
    // Arrange
    let api = spawn_api().await;
    let mut device = Device::new();
    let token = api.register_token("user-12", &[]).await;
    let begun = api.register_begin(&token, RP_ID, ORIGIN).await;
    let credential = device.create(ORIGIN, &begun["data"]).await;
    token_of(
        api.register_complete(session_of(&begun), &credential, ORIGIN)
            .await,
    )
    .await;

    // Act
    let response = api
        .register_complete(session_of(&begun), &credential, ORIGIN)
        .await;

    // Assert
    let body = problem(response, 400).await;
    assert_eq!(body["errorCode"], "fido2_invalid_registration");
}

#[tokio::test]
async fn registered_credentials_are_listed_in_the_contract_shape() {
    // Arrange
    let api = spawn_api().await;
    let mut device = Device::new();
    api.register(&mut device, "user-13", &[]).await;

    // Act
    let listed = ok_json(api.backend_get("/credentials/list?userid=user-13").await).await;

    // Assert
    let credential = &listed["values"][0];
    assert_eq!(credential["descriptor"]["type"], "public-key");
    assert_eq!(credential["userHandle"], STANDARD.encode("user-13"));
    assert_eq!(credential["userId"], "user-13");
    assert_eq!(credential["rpid"], RP_ID);
    assert_eq!(credential["origin"], ORIGIN);
    assert_eq!(credential["aaGuid"], "11111111-1111-1111-1111-111111111111");
    assert_eq!(credential["isDiscoverable"], true);
    assert!(
        STANDARD
            .decode(credential["publicKey"].as_str().unwrap())
            .is_ok()
    );
    assert!(!credential["createdAt"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn replaying_a_counted_assertion_is_rejected() {
    // Arrange
    let api = spawn_api().await;
    let mut device = Device::with_counter();
    api.register(&mut device, "user-14", &[]).await;
    let begun = api
        .signin_begin(json!({ "userId": "user-14", "RPID": RP_ID, "Origin": ORIGIN }))
        .await;
    let credential = device.get(ORIGIN, &begun["data"]).await;
    token_of(
        api.signin_complete(session_of(&begun), &credential, ORIGIN)
            .await,
    )
    .await;

    // Act
    let replayed = api
        .signin_complete(session_of(&begun), &credential, ORIGIN)
        .await;

    // Assert
    let body = problem(replayed, 400).await;
    assert_eq!(body["errorCode"], "signin_complete_error");
}

#[tokio::test]
async fn a_sign_counter_that_does_not_increase_is_rejected() {
    // Arrange
    let api = spawn_api().await;
    let mut device = Device::with_counter();
    api.register(&mut device, "user-15", &[]).await;
    let begin = json!({ "userId": "user-15", "RPID": RP_ID, "Origin": ORIGIN });
    token_of(api.sign_in(&mut device, begin.clone()).await).await;
    let listed = ok_json(api.backend_get("/credentials/list?userId=user-15").await).await;
    let stored = listed["values"][0]["signatureCounter"].as_u64().unwrap();
    assert!(stored > 0, "the device counts");
    // The authenticator adds one before signing, so it repeats the stored count.
    device.passkey_mut().counter = Some(u32::try_from(stored - 1).unwrap());

    // Act
    let response = api.sign_in(&mut device, begin).await;

    // Assert
    let body = problem(response, 400).await;
    assert_eq!(body["errorCode"], "signin_complete_error");
}

/// Clears the UV flag of a `none` attestation, whose authenticator data is not signed.
fn clear_user_verified_flag(credential: &mut Value) {
    use serde_cbor_2::Value as Cbor;
    let field = &mut credential["response"]["AttestationObject"];
    let bytes = URL_SAFE_NO_PAD.decode(field.as_str().unwrap()).unwrap();
    let Cbor::Map(mut object) = serde_cbor_2::from_slice(&bytes).unwrap() else {
        panic!("the attestation object is a map");
    };
    assert_eq!(object[&Cbor::Text("fmt".into())], Cbor::Text("none".into()));
    let Some(Cbor::Bytes(auth_data)) = object.get_mut(&Cbor::Text("authData".into())) else {
        panic!("the attestation object has authData");
    };
    const USER_VERIFIED: u8 = 0x04;
    auth_data[32] &= !USER_VERIFIED;
    *field = json!(URL_SAFE_NO_PAD.encode(serde_cbor_2::to_vec(&Cbor::Map(object)).unwrap()));
}

#[tokio::test]
async fn a_registration_without_user_verification_fails_only_when_it_is_required() {
    // Arrange
    let api = spawn_api().await;
    let mut attempts = Vec::new();
    for policy in ["required", "preferred"] {
        let user_id = format!("user-uv-{policy}");
        let token = token_of(
            api.backend_post(
                "/register/token",
                json!({ "userId": user_id, "username": user_id, "userVerification": policy }),
            )
            .await,
        )
        .await;
        let begun = api.register_begin(&token, RP_ID, ORIGIN).await;
        let mut credential = Device::new().create(ORIGIN, &begun["data"]).await;
        clear_user_verified_flag(&mut credential);
        attempts.push((begun, credential));
    }

    // Act
    let mut responses = Vec::new();
    for (begun, credential) in &attempts {
        responses.push(
            api.register_complete(session_of(begun), credential, ORIGIN)
                .await,
        );
    }

    // Assert
    let preferred = responses.pop().unwrap();
    let required = responses.pop().unwrap();
    let body = problem(required, 400).await;
    assert_eq!(body["errorCode"], "fido2_invalid_registration");
    assert!(token_of(preferred).await.starts_with("verify_"));
}

#[tokio::test]
async fn a_registration_without_cred_props_is_accepted() {
    // Arrange
    let api = spawn_api().await;
    let token = api.register_token("user-16", &[]).await;
    let begun = api.register_begin(&token, RP_ID, ORIGIN).await;
    let mut credential = Device::new().create(ORIGIN, &begun["data"]).await;
    credential["clientExtensionResults"] = json!({});

    // Act
    let response = api
        .register_complete(session_of(&begun), &credential, ORIGIN)
        .await;

    // Assert
    assert!(token_of(response).await.starts_with("verify_"));
    let listed = ok_json(api.backend_get("/credentials/list?userId=user-16").await).await;
    assert_eq!(listed["values"][0]["isDiscoverable"], Value::Null);
}

#[tokio::test]
async fn a_counted_assertion_replayed_concurrently_signs_in_only_once() {
    // Arrange
    let api = spawn_api().await;
    let mut device = Device::with_counter();
    api.register(&mut device, "user-17", &[]).await;
    let begun = api
        .signin_begin(json!({ "userId": "user-17", "RPID": RP_ID, "Origin": ORIGIN }))
        .await;
    let credential = device.get(ORIGIN, &begun["data"]).await;

    // Act
    let attempts = (0..64).map(|_| api.signin_complete(session_of(&begun), &credential, ORIGIN));
    let responses = futures_util::future::join_all(attempts).await;

    // Assert
    let successes = responses.iter().filter(|r| r.status() == 200).count();
    assert_eq!(successes, 1, "one of the identical assertions signs in");
}

#[tokio::test]
async fn nickname_lengths_are_counted_in_utf16_units_like_the_real_service() {
    // Arrange
    let api = spawn_api().await;
    let token = api.register_token("user-18", &[]).await;
    let begun = api.register_begin(&token, RP_ID, ORIGIN).await;
    let credential = Device::new().create(ORIGIN, &begun["data"]).await;
    // 40 characters, but 80 UTF-16 units: over the limit of 64.
    let nickname = "\u{1F511}".repeat(40);

    // Act
    let response = api
        .browser_post(
            "/register/complete",
            json!({
                "session": session_of(&begun),
                "response": credential,
                "nickname": nickname,
                "RPID": RP_ID,
                "Origin": ORIGIN,
            }),
        )
        .await;

    // Assert
    let body = problem(response, 400).await;
    assert_eq!(
        body["errors"]["nickname"],
        json!(["Nickname cannot be longer than 64 characters."])
    );
}

#[tokio::test]
async fn completing_a_registration_replaces_the_aliases_unless_the_token_names_none() {
    // Arrange
    let api = spawn_api().await;
    api.register(&mut Device::new(), "user-19", &["alice", "al"])
        .await;
    let aliases = async || {
        let listed = ok_json(api.backend_get("/alias/list?userId=user-19").await).await;
        let mut plaintexts: Vec<String> = listed["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["plaintext"].as_str().unwrap().to_owned())
            .collect();
        plaintexts.sort();
        plaintexts
    };

    // Act
    api.register(&mut Device::new(), "user-19", &["alice2"])
        .await;
    let replaced = aliases().await;
    api.register(&mut Device::new(), "user-19", &[]).await;
    let kept = aliases().await;

    // Assert
    assert_eq!(replaced, ["alice2"]);
    assert_eq!(kept, ["alice2"]);
}
