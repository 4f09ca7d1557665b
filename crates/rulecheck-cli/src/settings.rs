//! `rulecheck.toml`: found in the current directory or the nearest parent, or named with `--config`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rulecheck_eval::{Device, Protect, Settings};
use rulecheck_syntax::{Code, Limits, Severity, values};
use serde::Deserialize;

use crate::run::Error;

/// The config file as written. Every key is optional; unknown keys are errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    files: Option<Vec<String>>,
    device: Option<DeviceFile>,
    #[serde(default)]
    protect: Vec<ProtectFile>,
    #[serde(default)]
    rules: BTreeMap<String, String>,
    limits: Option<LimitsFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct LimitsFile {
    max_depth: Option<u64>,
    max_file_bytes: Option<u64>,
    analysis_budget: Option<u64>,
}

/// The largest `[limits] max-depth`: the parser's stack is explicit, so this only bounds memory per level.
pub const MAX_DEPTH_CEILING: u64 = 4096;

/// The largest `[limits] max-file-bytes`: 4 GiB, beyond which spans (32-bit offsets) cannot point.
pub const MAX_FILE_BYTES_CEILING: u64 = u32::MAX as u64;

/// The largest `[limits] analysis-budget`: 50 times the default, about 40 GB of cubes at worst; beyond this
/// an analysis runs for hours rather than stopping and saying so.
pub const ANALYSIS_BUDGET_CEILING: u64 = 50 * rulecheck_eval::analysis::CUBE_BUDGET;

/// Bounds on reading input (`[limits]`); the bound on analysis is in [`Settings::bounds`].
#[derive(Clone, Copy, Debug)]
pub struct InputLimits {
    /// What the parser accepts (`max-depth`).
    pub parse: Limits,
    /// The largest file read (`max-file-bytes`); a larger one gets an RC090 finding and is not checked.
    pub max_file_bytes: u64,
}

impl Default for InputLimits {
    fn default() -> Self {
        Self {
            parse: Limits::default(),
            max_file_bytes: crate::inputs::MAX_FILE_BYTES,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct DeviceFile {
    max_packet_length: Option<u32>,
    term_entries: Option<u64>,
    filter_entries: Option<u64>,
    flow_routes: Option<u64>,
    broad_discard_prefix: Option<u8>,
    broad_discard_prefix_v6: Option<u8>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ProtectFile {
    name: String,
    source: Option<OneOrMany>,
    destination: Option<OneOrMany>,
    protocol: Option<OneOrMany>,
    source_port: Option<OneOrMany>,
    destination_port: Option<OneOrMany>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(StringOrNumber),
    Many(Vec<StringOrNumber>),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum StringOrNumber {
    String(String),
    Number(u64),
}

impl OneOrMany {
    fn items(&self) -> Vec<String> {
        let one = |v: &StringOrNumber| match v {
            StringOrNumber::String(s) => s.clone(),
            StringOrNumber::Number(n) => n.to_string(),
        };
        match self {
            OneOrMany::One(v) => vec![one(v)],
            OneOrMany::Many(vs) => vs.iter().map(one).collect(),
        }
    }
}

/// The settings of a run, with where they came from.
#[derive(Debug, Default)]
pub struct Loaded {
    /// What the evaluator is told.
    pub settings: Settings,
    /// Bounds on reading the input.
    pub limits: InputLimits,
    /// `files` globs, relative to the config file's directory.
    pub files: Option<Vec<String>>,
    /// The directory of the config file, if one was found.
    pub root: Option<PathBuf>,
}

/// Finds and reads the config file.
pub fn load(explicit: Option<&Path>) -> Result<Loaded, Error> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => discover(),
    };
    let Some(path) = path else {
        return Ok(Loaded::default());
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::Input(format!("cannot read config file {}: {e}", path.display())))?;
    let mut loaded = from_text(&text, &path.display().to_string())?;
    loaded.root = path.parent().map(Path::to_path_buf);
    Ok(loaded)
}

/// Reads a config file's text (`name` is how errors name it, e.g. a path or `REV:rulecheck.toml`). The
/// result has no `root`: the caller knows where the file stands.
pub fn from_text(text: &str, name: &str) -> Result<Loaded, Error> {
    let bad = |message: String| Error::Input(format!("{name}: {message}"));
    let file: ConfigFile = toml::from_str(text).map_err(|e| bad(one_line(&e.to_string())))?;
    let mut settings = convert(&file).map_err(bad)?;
    let limits = limits(file.limits.as_ref(), &mut settings).map_err(bad)?;
    Ok(Loaded {
        settings,
        limits,
        files: file.files,
        root: None,
    })
}

/// The toml crate's messages span several lines with a source excerpt; keep them, but start with the place.
fn one_line(message: &str) -> String {
    message.trim_end().to_owned()
}

/// Checks `[limits]` and applies `analysis-budget` to `settings`.
fn limits(file: Option<&LimitsFile>, settings: &mut Settings) -> Result<InputLimits, String> {
    let mut limits = InputLimits::default();
    let Some(file) = file else {
        return Ok(limits);
    };
    let within = |key: &str, value: Option<u64>, min: u64, max: u64| match value {
        Some(v) if !(min..=max).contains(&v) => {
            Err(format!("[limits] {key} = {v}: expected {min} to {max}"))
        }
        _ => Ok(value),
    };
    if let Some(depth) = within("max-depth", file.max_depth, 8, MAX_DEPTH_CEILING)? {
        limits.parse.max_depth = depth as usize;
    }
    if let Some(bytes) = within(
        "max-file-bytes",
        file.max_file_bytes,
        1,
        MAX_FILE_BYTES_CEILING,
    )? {
        limits.max_file_bytes = bytes;
    }
    if let Some(budget) = within(
        "analysis-budget",
        file.analysis_budget,
        1000,
        ANALYSIS_BUDGET_CEILING,
    )? {
        settings.bounds.analysis_budget = budget;
    }
    Ok(limits)
}

fn discover() -> Option<PathBuf> {
    let mut dir = std::env::current_dir().ok()?;
    loop {
        let candidate = dir.join("rulecheck.toml");
        if candidate.is_file() {
            return Some(candidate);
        }
        if !dir.pop() {
            return None;
        }
    }
}

fn convert(file: &ConfigFile) -> Result<Settings, String> {
    let mut settings = Settings::default();
    if let Some(d) = &file.device {
        let defaults = Device::default();
        settings.device = Device {
            max_packet_length: d.max_packet_length,
            term_entries: d.term_entries.unwrap_or(defaults.term_entries),
            filter_entries: d.filter_entries.unwrap_or(defaults.filter_entries),
            flow_routes: d.flow_routes.unwrap_or(defaults.flow_routes),
            broad_discard_prefix: d
                .broad_discard_prefix
                .unwrap_or(defaults.broad_discard_prefix),
            broad_discard_prefix_v6: d
                .broad_discard_prefix_v6
                .unwrap_or(defaults.broad_discard_prefix_v6),
        };
        if let Some(len) = d.max_packet_length {
            if !(20..=65_575).contains(&len) {
                return Err(format!(
                    "[device] max-packet-length = {len}: expected 20 to 65575 bytes"
                ));
            }
        }
        if settings.device.broad_discard_prefix > 32 {
            return Err("[device] broad-discard-prefix: expected 0 to 32".into());
        }
        if settings.device.broad_discard_prefix_v6 > 128 {
            return Err("[device] broad-discard-prefix-v6: expected 0 to 128".into());
        }
    }
    for (i, p) in file.protect.iter().enumerate() {
        let at = format!("[[protect]] #{} (`{}`)", i + 1, p.name);
        let addresses = |key: &str, v: &Option<OneOrMany>| -> Result<Vec<_>, String> {
            v.iter()
                .flat_map(OneOrMany::items)
                .map(|s| {
                    values::parse_address(&s)
                        .map(|(a, _)| a)
                        .map_err(|e| format!("{at} {key} = \"{s}\": {e}"))
                })
                .collect()
        };
        let ranges = |key: &str,
                      v: &Option<OneOrMany>,
                      names: rulecheck_syntax::keywords::Names,
                      max: u64|
         -> Result<Vec<(u64, u64)>, String> {
            v.iter()
                .flat_map(OneOrMany::items)
                .map(|s| {
                    let (lo, hi) =
                        values::parse_range(&s, |n| rulecheck_syntax::keywords::lookup(names, n))
                            .map_err(|_| {
                            format!("{at} {key} = \"{s}\": not a number, range or known name")
                        })?;
                    if lo > hi || hi > max {
                        return Err(format!(
                            "{at} {key} = \"{s}\": expected values from 0 to {max}"
                        ));
                    }
                    Ok((lo, hi))
                })
                .collect()
        };
        use rulecheck_syntax::keywords::Names;
        settings.protect.push(Protect {
            name: p.name.clone(),
            source: addresses("source", &p.source)?,
            destination: addresses("destination", &p.destination)?,
            protocol: ranges("protocol", &p.protocol, Names::Protocols, 255)?
                .into_iter()
                .map(|(a, b)| (a as u8, b as u8))
                .collect(),
            source_port: ranges("source-port", &p.source_port, Names::Ports, 65535)?
                .into_iter()
                .map(|(a, b)| (a as u16, b as u16))
                .collect(),
            destination_port: ranges("destination-port", &p.destination_port, Names::Ports, 65535)?
                .into_iter()
                .map(|(a, b)| (a as u16, b as u16))
                .collect(),
        });
    }
    for (key, value) in &file.rules {
        let code = Code::parse(key).ok_or_else(|| {
            format!("[rules] {key}: not a rule code or name (see `rulecheck rules`)")
        })?;
        let severity = match value.as_str() {
            "off" => None,
            other => Some(Severity::parse(other).ok_or_else(|| {
                format!("[rules] {key} = \"{other}\": expected error, warning, info or off")
            })?),
        };
        settings.severities.insert(code, severity);
    }
    Ok(settings)
}
