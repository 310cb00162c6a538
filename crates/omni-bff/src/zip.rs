//! A minimal ZIP writer (stored entries, no compression): result images and videos are
//! already compressed, so "download all" needs nothing more.

/// Builds a ZIP archive in memory.
#[derive(Default)]
pub struct Writer {
    out: Vec<u8>,
    central: Vec<u8>,
    count: u16,
}

impl Writer {
    /// Adds one file.
    pub fn add(&mut self, name: &str, data: &[u8]) {
        let crc = crc32(data);
        let offset = self.out.len() as u32;
        let (size, name_len) = (data.len() as u32, name.len() as u16);
        // Local file header: version 2.0, UTF-8 names (flag bit 11), stored.
        self.out.extend(0x0403_4b50u32.to_le_bytes());
        for v in [20u16, 0x0800, 0, 0, 0x21] {
            self.out.extend(v.to_le_bytes());
        }
        for v in [crc, size, size] {
            self.out.extend(v.to_le_bytes());
        }
        self.out.extend(name_len.to_le_bytes());
        self.out.extend(0u16.to_le_bytes());
        self.out.extend(name.as_bytes());
        self.out.extend(data);
        // Central directory entry.
        self.central.extend(0x0201_4b50u32.to_le_bytes());
        for v in [20u16, 20, 0x0800, 0, 0, 0x21] {
            self.central.extend(v.to_le_bytes());
        }
        for v in [crc, size, size] {
            self.central.extend(v.to_le_bytes());
        }
        for v in [name_len, 0, 0, 0, 0] {
            self.central.extend(v.to_le_bytes());
        }
        self.central.extend(0u32.to_le_bytes());
        self.central.extend(offset.to_le_bytes());
        self.central.extend(name.as_bytes());
        self.count += 1;
    }

    /// The finished archive.
    pub fn finish(mut self) -> Vec<u8> {
        let start = self.out.len() as u32;
        let size = self.central.len() as u32;
        self.out.append(&mut self.central);
        self.out.extend(0x0605_4b50u32.to_le_bytes());
        for v in [0u16, 0, self.count, self.count] {
            self.out.extend(v.to_le_bytes());
        }
        self.out.extend(size.to_le_bytes());
        self.out.extend(start.to_le_bytes());
        self.out.extend(0u16.to_le_bytes());
        self.out
    }
}

/// CRC-32 (IEEE), bitwise: archives here are a few files, so a table buys nothing.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn python_can_read_what_we_write() {
        let mut w = Writer::default();
        w.add("a.txt", b"hello");
        w.add("图/b.bin", &[0u8, 1, 2, 255]);
        let path = std::env::temp_dir().join(format!("omni-zip-test-{}.zip", std::process::id()));
        std::fs::write(&path, w.finish()).unwrap();
        let script = "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(','.join(z.namelist()), z.read('a.txt').decode())";
        match std::process::Command::new("python3")
            .args(["-c", script])
            .arg(&path)
            .output()
        {
            Ok(out) if out.status.success() => {
                assert_eq!(
                    String::from_utf8_lossy(&out.stdout).trim(),
                    "a.txt,图/b.bin hello"
                );
            }
            Ok(out) => panic!(
                "python rejected the archive: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(_) => eprintln!("python3 not available; archive written but not cross-checked"),
        }
        let _ = std::fs::remove_file(path);
    }
}
