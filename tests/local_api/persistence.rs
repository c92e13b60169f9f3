//! Data that survives a restart, and a state file that cannot be read.

use passkeys_actix::local_api::{LocalApi, LocalApiSettings, StateLocation};
use serde_json::json;

use crate::helpers::{
    Device, ORIGIN, RP_ID, ok_json, spawn_api_with, spawn_api_with_file, temp_state_file, token_of,
};

#[tokio::test]
async fn users_keys_and_passkeys_are_still_there_after_a_restart() {
    // Arrange
    let path = temp_state_file();
    let first = spawn_api_with_file(path.clone()).await;
    let mut device = Device::new();
    first.register(&mut device, "user-1", &["alice"]).await;
    let (first_key, first_secret) = (first.public_key.clone(), first.secret.clone());
    first.stop().await;

    // Act
    let second = spawn_api_with_file(path.clone()).await;
    let signed_in = second
        .sign_in(
            &mut device,
            json!({ "alias": "alice", "RPID": RP_ID, "Origin": ORIGIN }),
        )
        .await;

    // Assert
    assert_eq!(second.public_key, first_key);
    assert_eq!(second.secret, first_secret);
    let verified = ok_json(second.verify(&token_of(signed_in).await).await).await;
    assert_eq!(verified["userId"], "user-1");
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[tokio::test]
async fn a_second_local_api_on_a_state_file_in_use_does_not_start_and_the_first_keeps_its_users() {
    // Arrange
    let path = temp_state_file();
    let first = spawn_api_with_file(path.clone()).await;
    first
        .register(&mut Device::new(), "user-1", &["alice"])
        .await;
    let settings = LocalApiSettings {
        state: StateLocation::File(path.clone()),
        ..LocalApiSettings::in_memory()
    };

    // Act
    let error = LocalApi::start(settings).unwrap_err().to_string();

    // Assert
    assert!(error.contains("in use"), "says what is wrong: {error}");
    assert!(
        error.contains("LOCAL_API_STATE"),
        "says what to do: {error}"
    );
    let listed = ok_json(first.backend_get("/alias/list?userId=user-1").await).await;
    assert_eq!(listed["values"].as_array().unwrap().len(), 1);
    first.stop().await;
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[tokio::test]
async fn a_corrupt_state_file_stops_start_up_and_is_left_untouched() {
    // Arrange
    let path = temp_state_file();
    std::fs::write(&path, b"{\"version\": 1, \"keys\": ").unwrap();
    let settings = LocalApiSettings {
        state: StateLocation::File(path.clone()),
        ..LocalApiSettings::in_memory()
    };

    // Act
    let error = LocalApi::start(settings).unwrap_err().to_string();

    // Assert
    assert!(
        error.contains(&path.display().to_string()),
        "names the file: {error}"
    );
    assert!(
        error.contains("LOCAL_API_STATE=memory"),
        "says what to do: {error}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"{\"version\": 1, \"keys\": "
    );
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[tokio::test]
async fn plaintext_aliases_still_match_after_the_keys_change_to_another_app_id() {
    // Arrange
    let path = temp_state_file();
    let first = spawn_api_with_file(path.clone()).await;
    first
        .register(&mut Device::new(), "user-1", &["alice"])
        .await;
    first.stop().await;

    // Act
    let second = spawn_api_with(LocalApiSettings {
        state: StateLocation::File(path.clone()),
        api_key: Some("test:public:2e728aa5986f4ba8b073a5b28a939795".to_owned()),
        api_secret: Some("test:secret:a679563b331846c79c20b114a4f56d02".to_owned()),
        ..LocalApiSettings::in_memory()
    })
    .await;
    let begun = second
        .signin_begin(json!({ "alias": "alice", "RPID": RP_ID, "Origin": ORIGIN }))
        .await;
    let listed = ok_json(second.backend_get("/alias/list?userId=user-1").await).await;

    // Assert
    assert_eq!(
        begun["data"]["allowCredentials"].as_array().unwrap().len(),
        1,
        "the alias still names user-1"
    );
    assert_eq!(listed["values"][0]["tenant"], "test");
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[tokio::test]
async fn a_state_path_that_cannot_be_read_stops_start_up_and_is_left_untouched() {
    // Arrange
    let path = temp_state_file();
    // A directory where the file should be: reading it fails, as an
    // unreadable file does (tests run as root, so permissions would not).
    std::fs::create_dir(&path).unwrap();
    std::fs::write(path.join("keep"), b"mine").unwrap();
    let settings = LocalApiSettings {
        state: StateLocation::File(path.clone()),
        ..LocalApiSettings::in_memory()
    };

    // Act
    let error = LocalApi::start(settings).unwrap_err().to_string();

    // Assert
    assert!(error.contains("cannot read"), "says what failed: {error}");
    assert!(
        error.contains("LOCAL_API_STATE"),
        "says what to do: {error}"
    );
    assert_eq!(std::fs::read(path.join("keep")).unwrap(), b"mine");
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}
