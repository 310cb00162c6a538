//! A streaming ZIP writer (stored entries, no compression: result images and videos
//! are compressed already). Each entry is written as its bytes arrive: the local header
//! first, then the data, then a data descriptor with the CRC and sizes, so nothing is
//! held whole in memory. Sizes and offsets past 4 GiB use ZIP64 records; every local
//! header carries a ZIP64 field, so descriptors always have 8-byte sizes.

use bytes::{BufMut, Bytes, BytesMut};

/// Values at or past this do not fit a classic field and go in ZIP64 records.
const FITS: u64 = 0xFFFF_FFFF;
const FLAGS: u16 = 0x0808; // sizes in a data descriptor; UTF-8 names
const DOS_DATE: u16 = 0x21; // 1980-01-01: results have no meaningful file time
const ZIP64_VERSION: u16 = 45;

/// The archive's bookkeeping between entries.
pub struct Writer {
    offset: u64,
    central: BytesMut,
    count: u64,
    /// Where ZIP64 starts; lowered in tests to exercise it without 4 GiB of data.
    fits: u64,
}

/// One entry being written.
pub struct Entry {
    name: String,
    offset: u64,
    crc: crc32fast::Hasher,
    size: u64,
}

impl Default for Writer {
    fn default() -> Self {
        Writer {
            offset: 0,
            central: BytesMut::new(),
            count: 0,
            fits: FITS,
        }
    }
}

impl Entry {
    /// Counts a chunk of the entry's data (call before sending it on).
    pub fn update(&mut self, chunk: &[u8]) {
        self.crc.update(chunk);
        self.size += chunk.len() as u64;
    }
}

impl Writer {
    #[cfg(test)]
    fn with_zip64_from(fits: u64) -> Writer {
        Writer {
            fits,
            ..Writer::default()
        }
    }

    /// Starts an entry: answers its local header, to send before its data.
    pub fn begin(&mut self, name: &str) -> (Entry, Bytes) {
        let mut h = BytesMut::with_capacity(30 + name.len() + 20);
        h.put_u32_le(0x0403_4b50);
        for v in [ZIP64_VERSION, FLAGS, 0, 0, DOS_DATE] {
            h.put_u16_le(v);
        }
        h.put_u32_le(0); // CRC: in the descriptor
        h.put_u32_le(FITS as u32); // sizes: in the ZIP64 field and the descriptor
        h.put_u32_le(FITS as u32);
        h.put_u16_le(name.len() as u16);
        h.put_u16_le(20);
        h.put_slice(name.as_bytes());
        h.put_u16_le(0x0001); // ZIP64 extended information
        h.put_u16_le(16);
        h.put_u64_le(0);
        h.put_u64_le(0);
        let entry = Entry {
            name: name.to_owned(),
            offset: self.offset,
            crc: crc32fast::Hasher::new(),
            size: 0,
        };
        self.offset += h.len() as u64;
        (entry, h.freeze())
    }

    /// Ends an entry whose data went out: answers its data descriptor.
    pub fn end(&mut self, entry: Entry) -> Bytes {
        let crc = entry.crc.finalize();
        let size = entry.size;
        let mut d = BytesMut::with_capacity(24);
        d.put_u32_le(0x0807_4b50);
        d.put_u32_le(crc);
        d.put_u64_le(size);
        d.put_u64_le(size);
        self.offset += size + d.len() as u64;
        // The central directory entry, with ZIP64 fields only for what does not fit.
        let mut extra = BytesMut::new();
        let big_size = size >= self.fits;
        let big_offset = entry.offset >= self.fits;
        if big_size {
            extra.put_u64_le(size);
            extra.put_u64_le(size);
        }
        if big_offset {
            extra.put_u64_le(entry.offset);
        }
        let c = &mut self.central;
        c.put_u32_le(0x0201_4b50);
        for v in [ZIP64_VERSION, ZIP64_VERSION, FLAGS, 0, 0, DOS_DATE] {
            c.put_u16_le(v);
        }
        c.put_u32_le(crc);
        let small = |v: u64, big: bool| if big { FITS as u32 } else { v as u32 };
        c.put_u32_le(small(size, big_size));
        c.put_u32_le(small(size, big_size));
        c.put_u16_le(entry.name.len() as u16);
        c.put_u16_le(if extra.is_empty() {
            0
        } else {
            4 + extra.len() as u16
        });
        for v in [0u16, 0, 0] {
            c.put_u16_le(v); // comment, disk, internal attributes
        }
        c.put_u32_le(0); // external attributes
        c.put_u32_le(small(entry.offset, big_offset));
        c.put_slice(entry.name.as_bytes());
        if !extra.is_empty() {
            c.put_u16_le(0x0001);
            c.put_u16_le(extra.len() as u16);
            c.put_slice(&extra);
        }
        self.count += 1;
        d.freeze()
    }

    /// The central directory and end records, to send last.
    pub fn finish(self) -> Bytes {
        let start = self.offset;
        let size = self.central.len() as u64;
        let mut out = self.central;
        let zip64 = start >= self.fits || size >= self.fits || self.count >= 0xFFFF;
        if zip64 {
            let record_at = start + size;
            out.put_u32_le(0x0606_4b50); // ZIP64 end of central directory
            out.put_u64_le(44);
            out.put_u16_le(ZIP64_VERSION);
            out.put_u16_le(ZIP64_VERSION);
            out.put_u32_le(0);
            out.put_u32_le(0);
            out.put_u64_le(self.count);
            out.put_u64_le(self.count);
            out.put_u64_le(size);
            out.put_u64_le(start);
            out.put_u32_le(0x0706_4b50); // its locator
            out.put_u32_le(0);
            out.put_u64_le(record_at);
            out.put_u32_le(1);
        }
        let count = if zip64 { 0xFFFF } else { self.count as u16 };
        out.put_u32_le(0x0605_4b50);
        for v in [0u16, 0, count, count] {
            out.put_u16_le(v);
        }
        let small = |v: u64| if zip64 { FITS as u32 } else { v as u32 };
        out.put_u32_le(small(size));
        out.put_u32_le(small(start));
        out.put_u16_le(0);
        out.freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `files` through the streaming API, in chunks of 3 bytes.
    fn archive(mut w: Writer, files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in files {
            let (mut entry, header) = w.begin(name);
            out.extend_from_slice(&header);
            for chunk in data.chunks(3) {
                entry.update(chunk);
                out.extend_from_slice(chunk);
            }
            out.extend_from_slice(&w.end(entry));
        }
        out.extend_from_slice(&w.finish());
        out
    }

    /// Python's zipfile checks every CRC and answers names and the first file's text.
    fn python_reads(bytes: &[u8]) -> String {
        let path = std::env::temp_dir().join(format!(
            "omni-zip-test-{}-{}.zip",
            std::process::id(),
            bytes.len()
        ));
        std::fs::write(&path, bytes).unwrap();
        let script = "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; n=z.namelist(); print(','.join(n), z.read(n[0]).decode())";
        let out = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(&path)
            .output()
            .expect("python3 is installed (cargo xtask test installs it)");
        let _ = std::fs::remove_file(path);
        assert!(
            out.status.success(),
            "python rejected the archive: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    #[test]
    fn python_can_read_what_we_stream() {
        let files: [(&str, &[u8]); 2] = [("a.txt", b"hello"), ("图/b.bin", &[0u8, 1, 2, 255])];
        assert_eq!(
            python_reads(&archive(Writer::default(), &files)),
            "a.txt,图/b.bin hello"
        );
    }

    #[test]
    fn zip64_records_are_read_too() {
        // Every size and offset past 8 bytes "does not fit": the ZIP64 paths, small.
        let files: [(&str, &[u8]); 3] = [
            ("first.txt", b"a file long enough"),
            ("second.bin", &[7u8; 40]),
            ("third.txt", b"and a third"),
        ];
        let bytes = archive(Writer::with_zip64_from(8), &files);
        assert_eq!(
            python_reads(&bytes),
            "first.txt,second.bin,third.txt a file long enough"
        );
        assert!(
            bytes.windows(4).any(|w| w == [0x50, 0x4b, 0x06, 0x06]),
            "a ZIP64 end record"
        );
    }
}
