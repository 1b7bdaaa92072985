//! Devices App versions such as `13r1 SR28`, ordered by (major, release,
//! service release); a missing service release means SR0.

use std::fmt;
use std::str::FromStr;

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DevicesAppVersion {
    pub major: u16,
    pub release: u16,
    pub service_release: u16,
}

impl DevicesAppVersion {
    /// The oldest version that performs the nightly Auto-iSC check.
    pub const AUTO_ISC_MINIMUM: DevicesAppVersion =
        DevicesAppVersion { major: 13, release: 1, service_release: 28 };

    pub const fn new(major: u16, release: u16, service_release: u16) -> DevicesAppVersion {
        DevicesAppVersion { major, release, service_release }
    }
}

impl FromStr for DevicesAppVersion {
    type Err = String;

    /// Parses `13r1 SR28`, `13r2`, `14r1 SR5` (case-insensitive, spaces optional).
    fn from_str(text: &str) -> Result<DevicesAppVersion, String> {
        let invalid = || format!("invalid Devices App version '{text}': expected a form like '13r1 SR28' or '13r2'");
        let compact: String = text.split_whitespace().collect::<String>().to_ascii_lowercase();
        let (major, rest) = compact.split_once('r').ok_or_else(invalid)?;
        let (release, service_release) = match rest.split_once("sr") {
            Some((release, service_release)) => (release, service_release),
            None => (rest, "0"),
        };
        let number = |part: &str| -> Result<u16, String> {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            part.parse().map_err(|_| invalid())
        };
        Ok(DevicesAppVersion::new(number(major)?, number(release)?, number(service_release)?))
    }
}

impl fmt::Display for DevicesAppVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}r{}", self.major, self.release)?;
        if self.service_release > 0 {
            write!(f, " SR{}", self.service_release)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(text: &str) -> DevicesAppVersion {
        text.parse().unwrap()
    }

    #[test]
    fn versions_order_by_parts() {
        assert!(version("13r1 SR28") >= DevicesAppVersion::AUTO_ISC_MINIMUM);
        assert!(version("13r1 SR27") < DevicesAppVersion::AUTO_ISC_MINIMUM);
        assert!(version("13r2") > DevicesAppVersion::AUTO_ISC_MINIMUM);
        assert!(version("14r1 SR5") > version("13r2 SR90"));
        assert!(version("13r1 SR9") < version("13r1 SR28"));
        assert_eq!(version("13r2"), DevicesAppVersion::new(13, 2, 0));
        assert_eq!(version("13R1sr28"), DevicesAppVersion::AUTO_ISC_MINIMUM);
    }

    #[test]
    fn invalid_versions_rejected() {
        for text in ["", "13", "r1", "13r", "13r1 SR", "13.1", "v13r1"] {
            assert!(text.parse::<DevicesAppVersion>().is_err(), "{text}");
        }
    }
}
