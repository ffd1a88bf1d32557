//! Generates the C header `include/mlscore.h` from `src/ffi` with cbindgen (settings in
//! `cbindgen.toml`), adding the version macros from Cargo.toml. The header is committed; it is
//! rewritten only when its bytes change, so an unchanged API never touches the file (nor its
//! mtime). A copy always goes to `$OUT_DIR/mlscore.h`, which `tests/header.rs` compares with
//! the committed file.
//!
//! Set `MLSCORE_HEADER_VERIFY=1` to fail the build instead of rewriting a stale header (CI).

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let root =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=MLSCORE_HEADER_VERIFY");

    let mut config =
        cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml is readable");
    let version =
        |part: &str| env::var(format!("CARGO_PKG_VERSION_{part}")).expect("cargo sets the version");
    let macros = format!(
        "\n/** Major version of mlscore this header belongs to. */\n#define MLSCORE_VERSION_MAJOR {}\n\
         /** Minor version of mlscore this header belongs to. */\n#define MLSCORE_VERSION_MINOR {}\n\
         /** Patch version of mlscore this header belongs to. */\n#define MLSCORE_VERSION_PATCH {}\n",
        version("MAJOR"),
        version("MINOR"),
        version("PATCH"),
    );
    config.after_includes = Some(format!(
        "{}{}",
        config.after_includes.unwrap_or_default(),
        macros
    ));

    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/ffi/mod.rs"))
        .generate()
        .expect("cbindgen could not generate include/mlscore.h");
    let mut bytes = Vec::new();
    bindings.write(&mut bytes);

    let generated = out_dir.join("mlscore.h");
    fs::write(&generated, &bytes).expect("OUT_DIR is writable");
    println!(
        "cargo:rustc-env=MLSCORE_GENERATED_HEADER={}",
        generated.display()
    );

    let header = root.join("include/mlscore.h");
    if fs::read(&header).ok().as_deref() == Some(bytes.as_slice()) {
        return;
    }
    if env::var_os("MLSCORE_HEADER_VERIFY").is_some_and(|v| v == "1") {
        panic!("include/mlscore.h is stale: build without MLSCORE_HEADER_VERIFY=1 and commit it");
    }
    fs::create_dir_all(root.join("include")).expect("include/ can be created");
    fs::write(&header, &bytes).expect("include/mlscore.h is writable");
}
