#include "store/segment.h"

#include <gtest/gtest.h>

#include <random>

#include <algorithm>
#include <map>

#include "store/coding.h"
#include "store/crc32c.h"
#include "support/reads.h"
#include "support/temp_dir.h"

namespace interdict::store {
namespace {

// 3,000 reads over 7 cameras; plates repeat (every plate is seen 3 times).
std::vector<read::Read> SampleReads() {
  std::vector<read::Read> reads;
  for (int i = 0; i < 3000; ++i) {
    read::Read r = test::MakeRead(i, "STLPD", "cam" + std::to_string(i % 7));
    r.plate = *plate::Plate::FromNormalized("P" + std::to_string(i % 1000));
    if (i % 2 == 0) r.id = r.camera + "-" + std::to_string(r.time);  // the templated id form
    reads.push_back(r);
  }
  return reads;
}

// The sorted distinct packed plates of `reads`: a segment's plate list.
std::vector<std::uint64_t> DistinctPlates(const std::vector<read::Read>& reads) {
  std::vector<std::uint64_t> plates;
  for (const read::Read& r : reads) plates.push_back(r.plate.Pack());
  std::sort(plates.begin(), plates.end());
  plates.erase(std::unique(plates.begin(), plates.end()), plates.end());
  return plates;
}

// Every row of `seg` reads back as `reads` (in row order), and it checks.
void ExpectRowsAre(const Segment& seg, const std::vector<read::Read>& reads) {
  ASSERT_EQ(seg.meta().rows, reads.size());
  for (std::uint32_t row = 0; row < reads.size(); ++row) {
    read::Read got;
    ASSERT_TRUE(seg.ReadRow(row, &got).ok());
    ASSERT_EQ(got, reads[row]) << "row " << row;
  }
  EXPECT_TRUE(seg.Check().ok()) << seg.Check().message();
}

class SegmentTest : public ::testing::Test {
 protected:
  std::string Write(const std::vector<read::Read>& reads,
                    SegmentLayout layout = SegmentLayout::kPlateOrder) {
    const std::string path = dir_.File(SegmentFileName(42));
    SegmentMeta meta;
    meta.id = 42;
    meta.agency = "STLPD";
    meta.bucket_start = 1'795'910'400'000;
    meta.bucket_end = meta.bucket_start + 86'400'000;
    meta.min_seq = 10;
    meta.max_seq = 10 + reads.size() - 1;
    meta.replaces = {7, 9};
    EXPECT_TRUE(WriteSegment(Env::Posix(), path, meta, reads, layout).ok());
    return path;
  }
  test::TempDir dir_;
};

// Both layouts: version 4 (plate order, what the store writes) and version 2
// (camera order, still read).
TEST_F(SegmentTest, EveryReadComesBackWholeInItsLayoutsOrder) {
  for (SegmentLayout layout : {SegmentLayout::kPlateOrder, SegmentLayout::kCameraOrder}) {
    SCOPED_TRACE(layout == SegmentLayout::kPlateOrder ? "plate order" : "camera order");
    std::vector<read::Read> reads = SampleReads();
    Result<std::shared_ptr<Segment>> seg = Segment::Open(Env::Posix(), Write(reads, layout));
    ASSERT_TRUE(seg.ok()) << seg.status().message();
    EXPECT_EQ((*seg)->layout(), layout);
    EXPECT_EQ((*seg)->version(), layout == SegmentLayout::kPlateOrder ? 4u : 2u);
    const SegmentMeta& m = (*seg)->meta();
    EXPECT_EQ(m.id, 42u);
    EXPECT_EQ(m.agency, "STLPD");
    EXPECT_EQ(m.rows, 3000u);
    EXPECT_EQ(m.replaces, (std::vector<std::uint64_t>{7, 9}));
    EXPECT_EQ((*seg)->camera_count(), 7u);
    EXPECT_EQ((*seg)->plate_dictionary().size(), 1000u);

    std::sort(reads.begin(), reads.end(),
              layout == SegmentLayout::kPlateOrder ? PlateOrderLess : CameraOrderLess);
    ExpectRowsAre(**seg, reads);
  }
}

// Merges and purges copy rows through a cursor as they are stored. Either
// layout gives its rows in plate order, skips the rows not kept, and the
// copy holds exactly the kept reads.
TEST_F(SegmentTest, ACursorCopiesTheKeptRowsOfEitherLayoutIntoPlateOrderUnchanged) {
  for (SegmentLayout layout : {SegmentLayout::kPlateOrder, SegmentLayout::kCameraOrder}) {
    SCOPED_TRACE(layout == SegmentLayout::kPlateOrder ? "from plate order" : "from camera order");
    Result<std::shared_ptr<Segment>> seg =
        Segment::Open(Env::Posix(), Write(SampleReads(), layout));
    ASSERT_TRUE(seg.ok()) << seg.status().message();
    const Segment& from = **seg;
    std::vector<bool> keep(from.meta().rows);
    std::vector<read::Read> kept;
    for (std::uint32_t row = 0; row < keep.size(); ++row) {
      keep[row] = row % 3 != 1;
      if (!keep[row]) continue;
      ASSERT_TRUE(from.ReadRow(row, &kept.emplace_back()).ok());
    }
    std::sort(kept.begin(), kept.end(), PlateOrderLess);
    const std::vector<std::uint64_t> plates = DistinctPlates(kept);

    SegmentMeta meta = from.meta();
    meta.id = 43;
    SegmentWriter w(meta, plates);
    RowCursor cursor(from, &keep);
    StoredRow row, prev;
    std::string prev_payload;
    std::size_t n = 0;
    while (cursor.Next(&row)) {
      ASSERT_LT(n, kept.size());
      EXPECT_EQ(row.plate, kept[n].plate.Pack()) << "row " << n;
      EXPECT_EQ(row.time, kept[n].time) << "row " << n;
      EXPECT_EQ(row.camera, kept[n].camera) << "row " << n;
      if (n > 0) {
        EXPECT_FALSE(StoredRowLess(row, prev)) << "row " << n;
      }
      ASSERT_TRUE(w.Add(row).ok()) << "row " << n;
      prev_payload.assign(row.payload);  // the cursor's views move on
      prev = row;
      prev.payload = prev_payload;
      ++n;
    }
    ASSERT_TRUE(cursor.status().ok()) << cursor.status().message();
    EXPECT_EQ(n, kept.size());
    const std::string path = dir_.File(SegmentFileName(43));
    ASSERT_TRUE(w.Finish(Env::Posix(), path).ok());
    Result<std::shared_ptr<Segment>> copy = Segment::Open(Env::Posix(), path);
    ASSERT_TRUE(copy.ok()) << copy.status().message();
    ExpectRowsAre(**copy, kept);
  }
}

// A flush writes the memtable's rows from their log encoding: the segment
// is byte for byte the one written from the reads themselves (templated and
// other ids, positions, headings, alternates), in both layouts.
TEST_F(SegmentTest, ARowWrittenFromItsLogEncodingIsTheRowWrittenFromTheRead) {
  for (SegmentLayout layout : {SegmentLayout::kPlateOrder, SegmentLayout::kCameraOrder}) {
    SCOPED_TRACE(layout == SegmentLayout::kPlateOrder ? "plate order" : "camera order");
    std::vector<read::Read> reads = SampleReads();
    std::sort(reads.begin(), reads.end(),
              layout == SegmentLayout::kPlateOrder ? PlateOrderLess : CameraOrderLess);
    const std::vector<std::uint64_t> plates = DistinctPlates(reads);
    SegmentMeta meta;
    meta.id = 44;
    meta.agency = "STLPD";
    meta.min_time = reads.front().time;
    for (const read::Read& r : reads) meta.min_time = std::min(meta.min_time, r.time);
    SegmentWriter from_reads(meta, plates, nullptr, layout);
    SegmentWriter from_log(meta, plates, nullptr, layout);
    std::string encoded;
    for (const read::Read& r : reads) {
      ASSERT_TRUE(from_reads.Add(r).ok());
      encoded.clear();
      EncodeRead(r, encoded);
      EncodedRow row;
      ASSERT_TRUE(ParseEncodedRow(encoded, &row));
      EXPECT_EQ(row.camera, r.camera);
      EXPECT_EQ(row.time, r.time);
      ASSERT_TRUE(from_log.Add(r.plate.Pack(), row).ok());
    }
    ASSERT_TRUE(from_reads.Finish(Env::Posix(), dir_.File("a.seg")).ok());
    ASSERT_TRUE(from_log.Finish(Env::Posix(), dir_.File("b.seg")).ok());
    EXPECT_EQ(*Env::Posix().ReadFile(dir_.File("a.seg")),
              *Env::Posix().ReadFile(dir_.File("b.seg")));
    EncodedRow row;
    EXPECT_FALSE(ParseEncodedRow(std::string_view(encoded).substr(0, 3), &row)) << "truncated";
  }
}

TEST_F(SegmentTest, ExactPlateFindsEveryRowOfThatPlateAndNoOther) {
  const std::vector<read::Read> reads = SampleReads();
  Result<std::shared_ptr<Segment>> seg = Segment::Open(Env::Posix(), Write(reads));
  ASSERT_TRUE(seg.ok());
  std::vector<std::uint32_t> rows;
  ASSERT_TRUE((*seg)->FindPlate(plate::Plate::FromNormalized("P17")->Pack(), &rows).ok());
  ASSERT_EQ(rows.size(), 3u);
  for (std::uint32_t row : rows) {
    read::Read r;
    ASSERT_TRUE((*seg)->ReadRow(row, &r).ok());
    EXPECT_EQ(r.plate.text(), "P17");
  }
  ASSERT_TRUE((*seg)->FindPlate(plate::Plate::FromNormalized("NOPE1")->Pack(), &rows).ok());
  EXPECT_TRUE(rows.empty());
}

// The dictionary stores entries in as few bytes as the longest plate needs:
// every width from 1 to 8 must find its plates, in order, and nothing else.
TEST_F(SegmentTest, PlatesOfEveryLengthAreFoundWhateverTheDictionaryWidth) {
  const std::vector<std::string> lengths = {"7",         "K2",        "AB1",     "ZZ99",
                                            "Q1234",     "AB1234",    "ABC1234", "ABCD1234",
                                            "ABCDE1234", "9ABCDE1234"};
  for (std::size_t longest = 1; longest <= lengths.size(); ++longest) {
    std::vector<read::Read> reads;
    for (std::size_t i = 0; i < longest; ++i) {
      // Two reads of each plate, and a neighbour differing in the last character.
      for (const std::string& text :
           {lengths[i], lengths[i].substr(0, lengths[i].size() - 1) + "0"}) {
        for (int k = 0; k < 2; ++k) {
          read::Read r = test::MakeRead(static_cast<int>(reads.size()), "STLPD", "cam1");
          r.plate = *plate::Plate::FromNormalized(text);
          reads.push_back(r);
        }
      }
    }
    Result<std::shared_ptr<Segment>> seg = Segment::Open(Env::Posix(), Write(reads));
    ASSERT_TRUE(seg.ok()) << seg.status().message();
    const PlateDictionary& dict = (*seg)->plate_dictionary();
    for (std::size_t e = 1; e < dict.size(); ++e) EXPECT_LT(dict[e - 1], dict[e]);
    std::vector<std::uint64_t> wide(dict.size());
    dict.Decode(0, dict.size(), wide.data());
    for (std::size_t e = 0; e < dict.size(); ++e) EXPECT_EQ(wide[e], dict[e]) << "entry " << e;
    for (std::size_t i = 0; i < longest; ++i) {
      std::vector<std::uint32_t> rows;
      ASSERT_TRUE((*seg)->FindPlate(plate::Plate::FromNormalized(lengths[i])->Pack(), &rows).ok());
      ASSERT_EQ(rows.size(), 2u) << lengths[i] << " with plates up to " << longest << " long";
      read::Read r;
      ASSERT_TRUE((*seg)->ReadRow(rows[0], &r).ok());
      EXPECT_EQ(r.plate.text(), lengths[i]);
    }
    std::vector<std::uint32_t> rows;
    ASSERT_TRUE((*seg)->FindPlate(plate::Plate::FromNormalized("ZZZZZZZZZZ")->Pack(), &rows).ok());
    EXPECT_TRUE(rows.empty());
  }
}

// The in-memory filter may say "maybe" for a plate the segment lacks (then the
// dictionary says no), but never "no" for one it holds; and it must rule out
// most absent plates, or it is useless.
TEST_F(SegmentTest, PlateFilterNeverHidesAPlateAndRulesOutMostAbsentOnes) {
  const std::vector<read::Read> reads = SampleReads();  // plates P0 … P999
  Result<std::shared_ptr<Segment>> seg = Segment::Open(Env::Posix(), Write(reads));
  ASSERT_TRUE(seg.ok());
  for (const read::Read& r : reads)
    EXPECT_TRUE((*seg)->MayContain(r.plate.Pack())) << r.plate.text();
  int maybe = 0;
  for (int i = 0; i < 10000; ++i) {
    if ((*seg)->MayContain(plate::Plate::FromNormalized("Q" + std::to_string(i))->Pack())) ++maybe;
  }
  EXPECT_LT(maybe, 500) << "false positives in 10,000 absent plates";
}

// One section as a plain segment's footer lists it, and where in the file its
// length and checksum are (so a test can change a section and make the file's
// checksums agree again, as a crafted file would).
struct ListedSection {
  std::uint64_t offset = 0, length = 0;
  std::size_t length_at = 0, crc_at = 0;
};

std::map<int, ListedSection> ListSections(std::string_view file) {
  const std::uint64_t meta_at = DecodeFixed64(file.data() + file.size() - 24);
  const std::string_view meta = file.substr(meta_at, file.size() - 24 - meta_at);
  Decoder in(meta);
  std::uint64_t v = 0, n = 0;
  std::string_view agency;
  in.GetVarint(&v);  // id
  in.GetString(&agency);
  for (int i = 0; i < 7; ++i) in.GetVarint(&v);  // bucket, times, rows, sequences
  in.GetVarint(&n);                              // replaced segments
  for (std::uint64_t i = 0; i < n; ++i) in.GetVarint(&v);
  std::map<int, ListedSection> out;
  in.GetVarint(&n);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint8_t id = 0;
    std::uint32_t crc = 0;
    ListedSection s;
    in.GetByte(&id);
    in.GetVarint(&s.offset);
    s.length_at = meta_at + meta.size() - in.remaining();
    in.GetVarint(&s.length);
    s.crc_at = meta_at + meta.size() - in.remaining();
    in.GetFixed32(&crc);
    out[id] = s;
  }
  return out;
}

// Recomputes section `id`'s checksum and the footer's.
void FixChecksums(std::string& file, const ListedSection& s) {
  std::string crc;
  PutFixed32(crc, Crc32c(std::string_view(file).substr(s.offset, s.length)));
  file.replace(s.crc_at, 4, crc);
  const std::uint64_t meta_at = DecodeFixed64(file.data() + file.size() - 24);
  crc.clear();
  PutFixed32(crc, Crc32c(std::string_view(file).substr(meta_at, file.size() - 24 - meta_at)));
  file.replace(file.size() - 12, 4, crc);
}

// Version 4 keeps its plate filter on disk (section 9), read in place, so a
// billion reads' filters are not in the heap; a filter that would hide a plate
// is caught by the check, and one of the wrong size refuses to open.
TEST_F(SegmentTest, APlainSegmentsPlateFilterIsReadFromTheFileAndCheckedAgainstItsPlates) {
  const std::vector<read::Read> reads = SampleReads();
  const std::string path = Write(reads);
  {
    Result<std::shared_ptr<Segment>> seg = Segment::Open(Env::Posix(), path);
    ASSERT_TRUE(seg.ok());
    EXPECT_TRUE((*seg)->plate_filter_in_file());
    EXPECT_TRUE((*seg)->Check().ok()) << (*seg)->Check().message();
  }
  const std::string good = *Env::Posix().ReadFile(path);
  {
    // (Write's path is the same for every layout.)
    Result<std::shared_ptr<Segment>> old =
        Segment::Open(Env::Posix(), Write(reads, SegmentLayout::kCameraOrder));
    ASSERT_TRUE(old.ok());
    EXPECT_FALSE((*old)->plate_filter_in_file()) << "version 2 builds its filter when opened";
  }
  const std::map<int, ListedSection> sections = ListSections(good);
  ASSERT_EQ(sections.count(9), 1u);
  const ListedSection& filter = sections.at(9);
  ASSERT_EQ(filter.length % 64, 0u);
  auto rewrite = [&](const std::string& bytes) {
    auto f = Env::Posix().NewWritableFile(path);
    ASSERT_TRUE((*f)->Append(bytes).ok());
  };
  // Every bit cleared, checksums made to agree: opens, but the check names it.
  std::string emptied = good;
  std::fill_n(emptied.begin() + static_cast<std::ptrdiff_t>(filter.offset), filter.length, '\0');
  FixChecksums(emptied, filter);
  rewrite(emptied);
  {
    Result<std::shared_ptr<Segment>> seg = Segment::Open(Env::Posix(), path);
    ASSERT_TRUE(seg.ok()) << seg.status().message();
    EXPECT_FALSE((*seg)->MayContain(reads[0].plate.Pack()));
    const Status st = (*seg)->Check();
    EXPECT_EQ(st.code(), StatusCode::kCorruption);
    EXPECT_NE(st.message().find("plate filter misses"), std::string::npos) << st.message();
  }
  // A block shorter: refused at open.
  std::string shorter = good;
  ListedSection cut = filter;
  cut.length -= 64;
  std::string len;
  PutVarint(len, cut.length);
  std::string was;
  PutVarint(was, filter.length);
  ASSERT_EQ(len.size(), was.size()) << "the test needs a length of the same varint size";
  shorter.replace(cut.length_at, len.size(), len);
  FixChecksums(shorter, cut);
  rewrite(shorter);
  Result<std::shared_ptr<Segment>> seg = Segment::Open(Env::Posix(), path);
  ASSERT_FALSE(seg.ok());
  EXPECT_EQ(seg.status().code(), StatusCode::kCorruption);
  EXPECT_NE(seg.status().message().find("malformed plate filter"), std::string::npos)
      << seg.status().message();
}

// The streaming writer is what merges and purge rewrites use: it must refuse
// rows out of order and any mismatch between the plate list and the rows (a
// listed plate without rows would keep a destroyed read's plate on disk).
TEST_F(SegmentTest, StreamingWriterRefusesDisorderAndPlatesWithoutRows) {
  SegmentMeta meta;
  meta.id = 1;
  meta.agency = "STLPD";
  meta.min_time = 1000;
  auto at = [](std::string camera, std::int64_t t, std::string plate) {
    read::Read r = test::MakeRead(0, "STLPD", std::move(camera));
    r.time = t;
    r.id = r.camera + "-" + std::to_string(t);
    r.plate = *plate::Plate::FromNormalized(plate);
    return r;
  };
  const std::uint64_t a = plate::Plate::FromNormalized("AAA1")->Pack();
  const std::uint64_t b = plate::Plate::FromNormalized("BBB2")->Pack();
  {
    // Version 4: (plate, time, camera, id).
    SegmentWriter w(meta, {a, b});
    ASSERT_TRUE(w.Add(at("cam1", 2000, "BBB2")).ok());
    EXPECT_EQ(w.Add(at("cam1", 3000, "AAA1")).code(), StatusCode::kInvalidArgument) << "plate";
    EXPECT_EQ(w.Add(at("cam1", 1500, "BBB2")).code(), StatusCode::kInvalidArgument) << "time";
    EXPECT_EQ(w.Add(at("cam0", 2000, "BBB2")).code(), StatusCode::kInvalidArgument) << "camera";
    EXPECT_EQ(w.Add(at("cam2", 3000, "CCC3")).code(), StatusCode::kInvalidArgument) << "unlisted";
    EXPECT_EQ(w.Add(at("cam2", 999, "BBB2")).code(), StatusCode::kInvalidArgument) << "min_time";
    EXPECT_EQ(w.Finish(Env::Posix(), dir_.File("x.seg")).code(), StatusCode::kInvalidArgument)
        << "AAA1 is listed but has no row";
  }
  {
    // Version 2: (camera, time, id).
    SegmentWriter w(meta, {a, b}, nullptr, SegmentLayout::kCameraOrder);
    ASSERT_TRUE(w.Add(at("cam1", 2000, "AAA1")).ok());
    EXPECT_EQ(w.Add(at("cam1", 1500, "BBB2")).code(), StatusCode::kInvalidArgument) << "time";
    EXPECT_EQ(w.Add(at("cam0", 3000, "BBB2")).code(), StatusCode::kInvalidArgument) << "camera";
    EXPECT_EQ(w.Finish(Env::Posix(), dir_.File("x2.seg")).code(), StatusCode::kInvalidArgument)
        << "BBB2 is listed but has no row";
  }
  {
    // Ties of (plate, time, camera) are ordered by id, which the writer
    // reads back from the payload ("b" before the templated "cam1-2000").
    SegmentWriter w(meta, {a});
    read::Read named = at("cam1", 2000, "AAA1");
    named.id = "b";
    ASSERT_TRUE(w.Add(named).ok());
    ASSERT_TRUE(w.Add(at("cam1", 2000, "AAA1")).ok()) << "templated id after b";
    EXPECT_EQ(w.Add(named).code(), StatusCode::kInvalidArgument) << "b after cam1-2000";
  }
  SegmentWriter w(meta, {a, b});
  ASSERT_TRUE(w.Add(at("cam2", 1000, "AAA1")).ok());
  ASSERT_TRUE(w.Add(at("cam1", 2000, "AAA1")).ok());
  ASSERT_TRUE(w.Add(at("cam1", 2000, "BBB2")).ok()) << "same time, later plate";
  ASSERT_TRUE(w.Finish(Env::Posix(), dir_.File("y.seg")).ok());
  Result<std::shared_ptr<Segment>> seg = Segment::Open(Env::Posix(), dir_.File("y.seg"));
  ASSERT_TRUE(seg.ok()) << seg.status().message();
  EXPECT_EQ((*seg)->meta().rows, 3u);
  EXPECT_EQ((*seg)->meta().max_time, 2000);
  EXPECT_TRUE((*seg)->Check().ok()) << (*seg)->Check().message();
}

TEST_F(SegmentTest, ABitFlipAnywhereIsFoundByAChecksum) {
  const std::string path = Write(SampleReads());
  const std::string good = *Env::Posix().ReadFile(path);
  // Flip one bit at a spread of offsets, header to footer.
  int tried = 0, detected = 0;
  for (std::size_t at = 0; at < good.size(); at += std::max<std::size_t>(1, good.size() / 97)) {
    ++tried;
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x10);
    {
      auto f = Env::Posix().NewWritableFile(path);
      ASSERT_TRUE((*f)->Append(bad).ok());
    }
    Result<std::shared_ptr<Segment>> seg = Segment::Open(Env::Posix(), path);
    // Padding bytes between sections are not covered; everything else is.
    if (seg.ok()) continue;
    ++detected;
    EXPECT_EQ(seg.status().code(), StatusCode::kCorruption) << "offset " << at;
    EXPECT_NE(seg.status().message().find(path), std::string::npos);
  }
  EXPECT_GE(detected * 100, tried * 95) << detected << " of " << tried << " flips detected";
}

TEST_F(SegmentTest, ATruncatedSegmentIsRefused) {
  const std::string path = Write(SampleReads());
  const std::string good = *Env::Posix().ReadFile(path);
  for (std::size_t keep : {std::size_t{0}, std::size_t{10}, good.size() / 2, good.size() - 1}) {
    {
      auto f = Env::Posix().NewWritableFile(path);
      ASSERT_TRUE((*f)->Append(good.substr(0, keep)).ok());
    }
    EXPECT_FALSE(Segment::Open(Env::Posix(), path).ok()) << "kept " << keep;
  }
}

TEST_F(SegmentTest, IsCompact) {
  std::vector<read::Read> reads;
  for (int i = 0; i < 20000; ++i) {
    read::Read r;
    r.agency = "STLPD";
    r.camera = "cam" + std::to_string(i % 20);
    r.time = 1'795'910'400'000 + i * 4000LL;
    r.id = r.camera + "-" + std::to_string(r.time);
    r.plate = *plate::Plate::FromNormalized("K" + std::to_string(100000 + (i * 7919) % 9000));
    r.state = *plate::Jurisdiction::Parse("MO");
    r.plate_confidence = read::Confidence::FromPercent(static_cast<std::uint8_t>(80 + i % 20));
    reads.push_back(r);
  }
  const std::string path = Write(reads);
  const double per_read = static_cast<double>(Env::Posix().ReadFile(path)->size()) / 20000.0;
  RecordProperty("bytes_per_read", std::to_string(per_read));
  EXPECT_LT(per_read, 16.0) << "the brief's budget is 16 bytes per read";
}

}  // namespace
}  // namespace interdict::store

namespace interdict::store {
namespace {

// Version 4's dictionary (restarts every 16 entries, dense differences
// between them) agrees with a plain sorted array on every entry and every
// lower bound, for plates of every length and keys longer than any entry.
TEST(PlateDictionaryTest, RestartCodedEntriesAndLowerBoundsMatchASortedArray) {
  std::mt19937_64 rng(27);
  constexpr std::string_view kChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  auto random_plate = [&](std::size_t max_len) {
    std::string t(1 + rng() % max_len, '0');
    for (char& c : t) c = kChars[rng() % kChars.size()];
    return plate::Plate::FromNormalized(t)->Pack();
  };
  for (std::size_t max_len : {3u, 7u, 8u, 10u}) {
    SCOPED_TRACE(max_len);
    std::vector<std::uint64_t> plates;
    for (int i = 0; i < 5000; ++i) plates.push_back(random_plate(max_len));
    std::sort(plates.begin(), plates.end());
    plates.erase(std::unique(plates.begin(), plates.end()), plates.end());
    const std::string section = PlateDictionary::EncodeRestarts(plates);
    PlateDictionary d;
    ASSERT_TRUE(PlateDictionary::ParseRestarts(section, &d));
    ASSERT_EQ(d.size(), plates.size());
    std::vector<std::uint64_t> decoded(plates.size());
    d.Decode(0, plates.size(), decoded.data());
    EXPECT_EQ(decoded, plates);
    for (std::size_t i = 0; i < plates.size(); i += 7) ASSERT_EQ(d[i], plates[i]) << i;
    d.Decode(21, 40, decoded.data());
    EXPECT_TRUE(std::equal(decoded.begin(), decoded.begin() + 40, plates.begin() + 21));
    for (int k = 0; k < 3000; ++k) {
      const std::uint64_t key = k % 3 == 0 ? plates[rng() % plates.size()] : random_plate(10);
      const auto expected = static_cast<std::size_t>(
          std::lower_bound(plates.begin(), plates.end(), key) - plates.begin());
      ASSERT_EQ(d.LowerBound(key), expected) << plate::Plate::Unpack(key).str();
    }
    if (max_len <= 8) {  // US plates: at most eight characters
      EXPECT_LT(section.size(), plates.size() * 6) << "smaller than six bytes an entry";
    }
  }
  // A damaged section is refused, not trusted.
  std::vector<std::uint64_t> plates;
  for (int i = 0; i < 40; ++i)
    plates.push_back(plate::Plate::FromNormalized("A" + std::to_string(100 + i))->Pack());
  std::string section = PlateDictionary::EncodeRestarts(plates);
  PlateDictionary d;
  for (std::size_t at = 0; at < section.size(); ++at) {
    std::string bad = section;
    bad[at] = static_cast<char>(bad[at] ^ 0x40);
    if (PlateDictionary::ParseRestarts(bad, &d)) {
      std::vector<std::uint64_t> got(d.size());
      d.Decode(0, d.size(), got.data());
      EXPECT_TRUE(std::is_sorted(got.begin(), got.end())) << "byte " << at;
    }
  }
}

}  // namespace
}  // namespace interdict::store
