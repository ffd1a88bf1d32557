//! `include/mlscore.h`: compiles as C99 and as C++ with warnings as errors (included twice,
//! every function referenced), is what build.rs generates from the current sources, is the
//! committed (staged) version, states the versions of Cargo.toml and of the library, and the
//! C code in README.md compiles against it.

use std::ffi::CStr;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn header() -> String {
    fs::read_to_string(repo().join("include/mlscore.h")).unwrap()
}

/// Every function the header declares.
fn functions(h: &str) -> Vec<String> {
    let mut names = Vec::new();
    for part in h.split("mlscore_").skip(1) {
        let name: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let rest = &part[name.len()..];
        let full = format!("mlscore_{name}");
        if rest.starts_with('(') && !names.contains(&full) {
            names.push(full);
        }
    }
    names
}

fn compile(compiler: &str, std: &str, ext: &str) {
    let h = header();
    let fns = functions(&h);
    assert!(
        fns.len() > 50,
        "found only {} functions in the header",
        fns.len()
    );
    // Taking each function's address checks it is declared; including twice checks the guard.
    let mut src = String::from("#include \"mlscore.h\"\n#include \"mlscore.h\"\n");
    // `void (*)(void)` is the generic function pointer type C allows casting to.
    src.push_str("typedef void (*any_fn)(void);\nstatic const any_fn table[] = {\n");
    for f in &fns {
        src.push_str(&format!("    (any_fn)&{f},\n"));
    }
    src.push_str("};\nint main(void) {\n    mlscore_status st = MLSCORE_STATUS_OK;\n");
    src.push_str("    (void)table;\n    return (int)st + (MLSCORE_ABI_VERSION > 0 ? 0 : 1);\n}\n");
    let dir = std::env::temp_dir().join(format!("mlscore-header-{}-{ext}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("use_header.{ext}"));
    fs::write(&file, src).unwrap();
    let out = Command::new(compiler)
        .arg(format!("-std={std}"))
        .args(["-Wall", "-Wextra", "-Wpedantic", "-Werror", "-fsyntax-only"])
        .arg("-I")
        .arg(repo().join("include"))
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("`{compiler}` is required by this test: {e}"));
    assert!(
        out.status.success(),
        "{compiler} -std={std} rejects the header:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn header_compiles_as_c99() {
    compile("gcc", "c99", "c");
}

#[test]
fn header_compiles_as_c11() {
    compile("gcc", "c11", "c");
}

#[test]
fn header_compiles_as_cpp() {
    compile("g++", "c++11", "cpp");
}

#[test]
fn header_is_what_build_rs_generates() {
    let generated = fs::read_to_string(env!("MLSCORE_GENERATED_HEADER")).unwrap();
    assert!(
        generated == header(),
        "include/mlscore.h differs from what build.rs generated: rebuild and commit it"
    );
}

/// CI fails when the committed header is stale. Compares with the git index, so staging the
/// regenerated header (as a commit would) satisfies it; outside a git checkout there is
/// nothing to compare with.
#[test]
fn committed_header_is_up_to_date() {
    let out = Command::new("git")
        .current_dir(repo())
        .args(["show", ":include/mlscore.h"])
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let generated = fs::read_to_string(env!("MLSCORE_GENERATED_HEADER")).unwrap();
            assert!(
                String::from_utf8_lossy(&o.stdout) == generated,
                "the committed include/mlscore.h is stale: `git add include/mlscore.h` (build.rs regenerated it)"
            );
        }
        _ => println!("not a git checkout (or git missing): committed header not compared"),
    }
}

fn define(h: &str, name: &str) -> String {
    let prefix = format!("#define {name} ");
    h.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("{name} not defined"))
        .trim()
        .to_string()
}

#[test]
fn version_macros_match_cargo_and_the_library() {
    let h = header();
    assert_eq!(
        define(&h, "MLSCORE_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MAJOR")
    );
    assert_eq!(
        define(&h, "MLSCORE_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_MINOR")
    );
    assert_eq!(
        define(&h, "MLSCORE_VERSION_PATCH"),
        env!("CARGO_PKG_VERSION_PATCH")
    );
    assert_eq!(
        define(&h, "MLSCORE_ABI_VERSION"),
        mlscore::ffi::MLSCORE_ABI_VERSION.to_string()
    );
    assert_eq!(
        mlscore::ffi::mlscore_abi_version(),
        mlscore::ffi::MLSCORE_ABI_VERSION
    );
    // SAFETY: mlscore_version returns a static NUL-terminated string.
    let v = unsafe { CStr::from_ptr(mlscore::ffi::mlscore_version()) };
    assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

/// Every `mlscore_` symbol the shared library exports is declared in the header, and the
/// other way round.
#[test]
fn header_declares_exactly_the_exported_symbols() {
    let lib = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(|p| p.parent())
        .unwrap()
        .join("libmlscore.so");
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&lib)
        .output()
        .unwrap_or_else(|e| panic!("`nm` is required by this test: {e}"));
    assert!(
        out.status.success(),
        "nm {}: {}",
        lib.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut exported: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .filter(|s| s.starts_with("mlscore_"))
        .map(str::to_string)
        .collect();
    exported.sort();
    let mut declared = functions(&header());
    declared.sort();
    assert_eq!(exported, declared);
}

/// The C code in README.md compiles against the header with warnings as errors.
#[test]
fn readme_c_code_compiles() {
    let readme = fs::read_to_string(repo().join("README.md")).unwrap();
    let blocks: Vec<&str> = readme
        .split("```c\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect();
    assert!(!blocks.is_empty(), "README.md has no C example");
    let dir = std::env::temp_dir().join(format!("mlscore-readme-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    for (i, code) in blocks.iter().enumerate() {
        let file = dir.join(format!("readme{i}.c"));
        fs::write(&file, code).unwrap();
        let out = Command::new("gcc")
            .args([
                "-std=c99",
                "-Wall",
                "-Wextra",
                "-Wpedantic",
                "-Werror",
                "-c",
                "-o",
            ])
            .arg(dir.join(format!("readme{i}.o")))
            .arg("-I")
            .arg(repo().join("include"))
            .arg(&file)
            .output()
            .unwrap_or_else(|e| panic!("`gcc` is required by this test: {e}"));
        assert!(
            out.status.success(),
            "README C block {i} does not compile:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
