//! Result videos for the simulator: an MP4 of any whole number of seconds, one visibly
//! distinct colour segment per storyboard shot, with a sound track when sound is on.
//!
//! Nothing is encoded at run time: `assets/segments.h264` holds six one-second H.264
//! segments (each starting with an IDR frame, one colour each) and `assets/tone.aac`
//! one second of AAC tone (assets/README.md says how both were made). This file repeats
//! whole segments and tone frames and writes the MP4 boxes around them.

use std::sync::OnceLock;

const SEGMENTS: &[u8] = include_bytes!("../../assets/segments.h264");
const TONE: &[u8] = include_bytes!("../../assets/tone.aac");
/// Frames per second of the segments, and frames per segment.
const FPS: u32 = 24;
const WIDTH: u16 = 1280;
const HEIGHT: u16 = 720;
/// Samples per AAC frame.
const AAC_FRAME: u32 = 1024;

/// The H.264 stream cut into samples.
struct Video {
    sps: Vec<u8>,
    pps: Vec<u8>,
    /// One-second segments, each a list of samples (length-prefixed NAL units).
    segments: Vec<Vec<Vec<u8>>>,
}

/// The tone cut into raw AAC frames.
struct Audio {
    frames: Vec<Vec<u8>>,
    sample_rate: u32,
    channels: u16,
    /// AudioSpecificConfig.
    config: [u8; 2],
}

fn video_stream() -> &'static Video {
    static V: OnceLock<Video> = OnceLock::new();
    V.get_or_init(|| parse_h264(SEGMENTS))
}

fn audio_stream() -> &'static Audio {
    static A: OnceLock<Audio> = OnceLock::new();
    A.get_or_init(|| parse_adts(TONE))
}

/// NAL units of an Annex B stream, without their start codes.
fn nal_units(data: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= data.len() {
        if data[i..i + 3] == [0, 0, 1] {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    starts
        .iter()
        .enumerate()
        .map(|(k, &s)| {
            let mut end = starts.get(k + 1).map_or(data.len(), |n| n - 3);
            // A four-byte start code leaves one zero behind.
            while end > s && data[end - 1] == 0 {
                end -= 1;
            }
            &data[s..end]
        })
        .collect()
}

fn parse_h264(data: &[u8]) -> Video {
    let mut v = Video {
        sps: Vec::new(),
        pps: Vec::new(),
        segments: Vec::new(),
    };
    let mut pending: Vec<u8> = Vec::new();
    for nal in nal_units(data) {
        let Some(&head) = nal.first() else { continue };
        match head & 0x1f {
            7 if v.sps.is_empty() => v.sps = nal.to_vec(),
            8 if v.pps.is_empty() => v.pps = nal.to_vec(),
            // Parameter sets live in avcC; access unit delimiters are not needed.
            7..=9 => {}
            kind @ (1 | 5) => {
                if kind == 5 {
                    v.segments.push(Vec::new());
                }
                let mut sample = std::mem::take(&mut pending);
                sample.extend_from_slice(&(nal.len() as u32).to_be_bytes());
                sample.extend_from_slice(nal);
                if let Some(seg) = v.segments.last_mut() {
                    seg.push(sample);
                }
            }
            // SEI and the like go with the next picture.
            _ => {
                pending.extend_from_slice(&(nal.len() as u32).to_be_bytes());
                pending.extend_from_slice(nal);
            }
        }
    }
    v
}

fn parse_adts(data: &[u8]) -> Audio {
    let mut a = Audio {
        frames: Vec::new(),
        sample_rate: 44_100,
        channels: 1,
        config: [0x12, 0x08],
    };
    const RATES: [u32; 13] = [
        96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025,
        8_000, 7_350,
    ];
    let mut i = 0;
    while i + 7 <= data.len() && data[i] == 0xff && data[i + 1] & 0xf0 == 0xf0 {
        let h = &data[i..];
        let header = if h[1] & 1 == 1 { 7 } else { 9 };
        let len = (usize::from(h[3] & 3) << 11) | (usize::from(h[4]) << 3) | usize::from(h[5] >> 5);
        if len <= header || i + len > data.len() {
            break;
        }
        if a.frames.is_empty() {
            let object = (h[2] >> 6) + 1;
            let rate = (h[2] >> 2) & 0x0f;
            let channels = ((h[2] & 1) << 2) | (h[3] >> 6);
            a.sample_rate = RATES.get(usize::from(rate)).copied().unwrap_or(44_100);
            a.channels = u16::from(channels);
            a.config = [
                (object << 3) | (rate >> 1),
                ((rate & 1) << 7) | (channels << 3),
            ];
        }
        a.frames.push(h[header..len].to_vec());
        i += len;
    }
    a
}

/// An MP4 whose segments last `shots` seconds each (one colour per shot, in order), with
/// a tone track as long as the video when `sound` is on.
pub fn render(shots: &[u32], sound: bool) -> Vec<u8> {
    let v = video_stream();
    let mut samples: Vec<&[u8]> = Vec::new();
    let mut sync = Vec::new();
    for (i, &seconds) in shots.iter().enumerate() {
        let segment = &v.segments[i % v.segments.len().max(1)];
        for _ in 0..seconds {
            sync.push(samples.len() as u32 + 1);
            samples.extend(segment.iter().map(Vec::as_slice));
        }
    }
    let seconds: u32 = shots.iter().sum();
    let audio = sound.then(audio_stream).filter(|a| !a.frames.is_empty());
    let audio_samples: Vec<&[u8]> = match audio {
        Some(a) => {
            let n = (u64::from(seconds) * u64::from(a.sample_rate)).div_ceil(u64::from(AAC_FRAME));
            (0..n as usize)
                .map(|k| a.frames[k % a.frames.len()].as_slice())
                .collect()
        }
        None => Vec::new(),
    };
    let ftyp = boxed(
        b"ftyp",
        &[b"isom", &512u32.to_be_bytes()[..], b"isomiso2avc1mp41"].concat(),
    );
    // The moov's size does not depend on the offsets in it: size it, then fill them in.
    let moov_for = |video_at: u32, audio_at: u32| {
        let mut traks = trak_video(v, &samples, &sync, video_at);
        if let Some(a) = audio {
            traks.extend(trak_audio(a, &audio_samples, audio_at));
        }
        let next = if audio.is_some() { 3 } else { 2 };
        boxed(b"moov", &[mvhd(seconds * 1000, next), traks].concat())
    };
    let head = (ftyp.len() + moov_for(0, 0).len() + 8) as u32;
    let video_bytes: usize = samples.iter().map(|s| s.len()).sum();
    let moov = moov_for(head, head + video_bytes as u32);
    let mut mdat = Vec::with_capacity(video_bytes + 64 * 1024);
    samples.iter().for_each(|s| mdat.extend_from_slice(s));
    audio_samples.iter().for_each(|s| mdat.extend_from_slice(s));
    [ftyp, moov, boxed(b"mdat", &mdat)].concat()
}

fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(&(body.len() as u32 + 8).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

/// A full box: version 0 and `flags`.
fn full(kind: &[u8; 4], flags: u32, body: &[u8]) -> Vec<u8> {
    boxed(kind, &[&flags.to_be_bytes()[..], body].concat())
}

fn be32(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

const MATRIX: [u32; 9] = [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000];

fn mvhd(duration_ms: u32, next_track: u32) -> Vec<u8> {
    let mut b = be32(&[0, 0, 1000, duration_ms, 0x0001_0000]);
    b.extend_from_slice(&[0x01, 0x00, 0, 0]);
    b.extend_from_slice(&[0; 8]);
    b.extend(be32(&MATRIX));
    b.extend_from_slice(&[0; 24]);
    b.extend(be32(&[next_track]));
    full(b"mvhd", 0, &b)
}

fn tkhd(id: u32, duration_ms: u32, audio: bool, size: (u16, u16)) -> Vec<u8> {
    let mut b = be32(&[0, 0, id, 0, duration_ms, 0, 0]);
    b.extend_from_slice(&[0, 0, 0, 0]); // layer, alternate group
    b.extend_from_slice(if audio { &[0x01, 0x00] } else { &[0, 0] });
    b.extend_from_slice(&[0, 0]);
    b.extend(be32(&MATRIX));
    b.extend(be32(&[u32::from(size.0) << 16, u32::from(size.1) << 16]));
    full(b"tkhd", 3, &b)
}

fn mdia(timescale: u32, duration: u32, handler: &[u8; 4], name: &str, minf: Vec<u8>) -> Vec<u8> {
    let mut md = be32(&[0, 0, timescale, duration]);
    md.extend_from_slice(&[0x55, 0xc4, 0, 0]); // language "und"
    let mut hd = be32(&[0]);
    hd.extend_from_slice(handler);
    hd.extend(be32(&[0, 0, 0]));
    hd.extend_from_slice(name.as_bytes());
    hd.push(0);
    boxed(
        b"mdia",
        &[full(b"mdhd", 0, &md), full(b"hdlr", 0, &hd), minf].concat(),
    )
}

fn dinf() -> Vec<u8> {
    boxed(
        b"dinf",
        &full(b"dref", 0, &[be32(&[1]), full(b"url ", 1, &[])].concat()),
    )
}

/// The sample tables of one chunk holding every sample, at `offset`.
fn tables(
    stsd: Vec<u8>,
    delta: u32,
    samples: &[&[u8]],
    sync: Option<&[u32]>,
    offset: u32,
) -> Vec<u8> {
    let n = samples.len() as u32;
    let sizes: Vec<u32> = samples.iter().map(|s| s.len() as u32).collect();
    let mut b = stsd;
    b.extend(full(b"stts", 0, &be32(&[1, n, delta])));
    if let Some(sync) = sync {
        b.extend(full(
            b"stss",
            0,
            &[be32(&[sync.len() as u32]), be32(sync)].concat(),
        ));
    }
    b.extend(full(b"stsc", 0, &be32(&[1, 1, n, 1])));
    b.extend(full(b"stsz", 0, &[be32(&[0, n]), be32(&sizes)].concat()));
    b.extend(full(b"stco", 0, &be32(&[1, offset])));
    boxed(b"stbl", &b)
}

fn trak_video(v: &Video, samples: &[&[u8]], sync: &[u32], offset: u32) -> Vec<u8> {
    let n = samples.len() as u32;
    let duration_ms = n * 1000 / FPS;
    let mut avcc = vec![1, v.sps[1], v.sps[2], v.sps[3], 0xff, 0xe1];
    avcc.extend_from_slice(&(v.sps.len() as u16).to_be_bytes());
    avcc.extend_from_slice(&v.sps);
    avcc.push(1);
    avcc.extend_from_slice(&(v.pps.len() as u16).to_be_bytes());
    avcc.extend_from_slice(&v.pps);
    let mut entry = vec![0; 6];
    entry.extend_from_slice(&[0, 1]); // data reference index
    entry.extend_from_slice(&[0; 16]);
    entry.extend_from_slice(&WIDTH.to_be_bytes());
    entry.extend_from_slice(&HEIGHT.to_be_bytes());
    entry.extend(be32(&[0x0048_0000, 0x0048_0000, 0]));
    entry.extend_from_slice(&[0, 1]); // frame count
    entry.extend_from_slice(&[0; 32]); // compressor name
    entry.extend_from_slice(&[0, 0x18, 0xff, 0xff]);
    entry.extend(boxed(b"avcC", &avcc));
    let stsd = full(b"stsd", 0, &[be32(&[1]), boxed(b"avc1", &entry)].concat());
    let minf = boxed(
        b"minf",
        &[
            full(b"vmhd", 1, &[0; 8]),
            dinf(),
            tables(stsd, 1000, samples, Some(sync), offset),
        ]
        .concat(),
    );
    boxed(
        b"trak",
        &[
            tkhd(1, duration_ms, false, (WIDTH, HEIGHT)),
            mdia(FPS * 1000, n * 1000, b"vide", "VideoHandler", minf),
        ]
        .concat(),
    )
}

fn trak_audio(a: &Audio, samples: &[&[u8]], offset: u32) -> Vec<u8> {
    let n = samples.len() as u32;
    let duration_ms =
        (u64::from(n) * u64::from(AAC_FRAME) * 1000 / u64::from(a.sample_rate)) as u32;
    // ES descriptor: decoder config (AAC, audio stream) with the AudioSpecificConfig.
    let dsi = [&[0x05, 2][..], &a.config].concat();
    let mut dcd = vec![0x40, 0x15, 0, 0, 0];
    dcd.extend(be32(&[128_000, 64_000]));
    dcd.extend(&dsi);
    let dcd = [&[0x04, dcd.len() as u8][..], &dcd].concat();
    let es_body = [&[0, 2, 0][..], &dcd, &[0x06, 1, 2]].concat();
    let es = [&[0x03, es_body.len() as u8][..], &es_body].concat();
    let mut entry = vec![0; 6];
    entry.extend_from_slice(&[0, 1]);
    entry.extend_from_slice(&[0; 8]);
    entry.extend_from_slice(&a.channels.to_be_bytes());
    entry.extend_from_slice(&[0, 16, 0, 0, 0, 0]);
    entry.extend(be32(&[a.sample_rate << 16]));
    entry.extend(full(b"esds", 0, &es));
    let stsd = full(b"stsd", 0, &[be32(&[1]), boxed(b"mp4a", &entry)].concat());
    let minf = boxed(
        b"minf",
        &[
            full(b"smhd", 0, &[0; 4]),
            dinf(),
            tables(stsd, AAC_FRAME, samples, None, offset),
        ]
        .concat(),
    );
    boxed(
        b"trak",
        &[
            tkhd(2, duration_ms, true, (0, 0)),
            mdia(a.sample_rate, n * AAC_FRAME, b"soun", "SoundHandler", minf),
        ]
        .concat(),
    )
}

/// What an MP4 holds, read from its boxes: for checking a result video (tests, and any
/// MP4, not only ours).
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// The movie's length in seconds.
    pub seconds: f64,
    /// Each track's handler (`vide`, `soun`) and length in seconds.
    pub tracks: Vec<(String, f64)>,
}

/// Reads an MP4's movie header and its tracks' handlers and lengths.
pub fn probe(data: &[u8]) -> Option<Probe> {
    let moov = child(data, b"moov")?;
    let mvhd = child(moov, b"mvhd")?;
    let seconds = ratio(mvhd, 16, 12)?;
    let mut tracks = Vec::new();
    for trak in children(moov, b"trak") {
        let mdia = child(trak, b"mdia")?;
        let hdlr = child(mdia, b"hdlr")?;
        let kind = String::from_utf8_lossy(hdlr.get(8..12)?).into_owned();
        tracks.push((kind, ratio(child(mdia, b"mdhd")?, 16, 12)?));
    }
    Some(Probe { seconds, tracks })
}

/// A version-0 header's `duration / timescale` at the given offsets.
fn ratio(body: &[u8], duration_at: usize, scale_at: usize) -> Option<f64> {
    let read = |at: usize| Some(u32::from_be_bytes(body.get(at..at + 4)?.try_into().ok()?));
    let scale = read(scale_at).filter(|s| *s > 0)?;
    Some(f64::from(read(duration_at)?) / f64::from(scale))
}

/// The bodies of the boxes of `kind` directly inside `data`.
fn children<'a>(data: &'a [u8], kind: &'a [u8; 4]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut at = 0;
    std::iter::from_fn(move || {
        while at + 8 <= data.len() {
            let size = u32::from_be_bytes(data[at..at + 4].try_into().ok()?) as usize;
            if size < 8 || at + size > data.len() {
                return None;
            }
            let (here, body) = (&data[at + 4..at + 8], &data[at + 8..at + size]);
            at += size;
            if here == kind {
                return Some(body);
            }
        }
        None
    })
}

fn child<'a>(data: &'a [u8], kind: &'a [u8; 4]) -> Option<&'a [u8]> {
    children(data, kind).next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_assets_cut_into_six_one_second_segments_and_a_second_of_tone() {
        let v = video_stream();
        assert_eq!(v.segments.len(), 6);
        assert!(v.segments.iter().all(|s| s.len() == FPS as usize));
        assert!(!v.sps.is_empty() && !v.pps.is_empty());
        let a = audio_stream();
        assert!(a.frames.len() >= 40, "{}", a.frames.len());
    }

    #[test]
    fn a_video_lasts_its_shots_and_has_sound_only_when_asked() {
        let p = probe(&render(&[5, 2, 3], true)).unwrap();
        assert_eq!(p.seconds, 10.0);
        assert_eq!(p.tracks.len(), 2);
        assert_eq!(p.tracks[0], ("vide".to_owned(), 10.0));
        assert_eq!(p.tracks[1].0, "soun");
        assert!((p.tracks[1].1 - 10.0).abs() < 0.05, "{:?}", p.tracks[1]);
        let silent = probe(&render(&[15], false)).unwrap();
        assert_eq!(silent.seconds, 15.0);
        assert_eq!(silent.tracks, [("vide".to_owned(), 15.0)]);
    }
}
