#include "sim/plate_image.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <mutex>
#include <numbers>
#include <vector>

#include <fmt/core.h>

#include "sim/rng.h"

// stb's single-file libraries (Debian's libstb-dev; decision 0021): the
// implementations are compiled here, once.
#define STB_TRUETYPE_IMPLEMENTATION
#define STBTT_STATIC
#include <stb/stb_truetype.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#define STBIW_ZLIB_COMPRESS_DEFAULT
#include <stb/stb_image_write.h>

namespace interdict::sim {
namespace {

struct Font {
  std::string bytes;
  stbtt_fontinfo info{};
  bool ok = false;
};

const Font& LoadFont() {
  static Font font;
  static std::once_flag once;
  std::call_once(once, [] {
    std::ifstream in(kPlateFont, std::ios::binary);
    if (!in) return;
    font.bytes.assign(std::istreambuf_iterator<char>(in), {});
    const auto* data = reinterpret_cast<const unsigned char*>(font.bytes.data());
    font.ok = stbtt_InitFont(&font.info, data, stbtt_GetFontOffsetForIndex(data, 0)) != 0;
  });
  return font;
}

using Canvas = std::vector<float>;  // kPlateCropWidth x kPlateCropHeight, 0 black .. 255 white

// Draws `text` centred at (cx, baseline), `px` pixels high, darkening the canvas.
void Draw(const Font& font, Canvas& c, std::string_view text, float px, float cx, float baseline,
          float ink) {
  const float scale = stbtt_ScaleForPixelHeight(&font.info, px);
  float width = 0;
  for (char ch : text) {
    int advance = 0, bearing = 0;
    stbtt_GetCodepointHMetrics(&font.info, ch, &advance, &bearing);
    width += static_cast<float>(advance) * scale;
  }
  float x = cx - width / 2;
  for (char ch : text) {
    int w = 0, h = 0, xoff = 0, yoff = 0;
    unsigned char* bitmap =
        stbtt_GetCodepointBitmap(&font.info, 0, scale, ch, &w, &h, &xoff, &yoff);
    const int left = static_cast<int>(std::lround(x)) + xoff;
    const int top = static_cast<int>(std::lround(baseline)) + yoff;
    for (int j = 0; j < h; ++j) {
      for (int i = 0; i < w; ++i) {
        const int px_x = left + i, px_y = top + j;
        if (px_x < 0 || px_y < 0 || px_x >= kPlateCropWidth || px_y >= kPlateCropHeight) continue;
        float& v = c[static_cast<std::size_t>(px_y * kPlateCropWidth + px_x)];
        const float alpha = static_cast<float>(bitmap[j * w + i]) / 255.0f;
        v = v * (1 - alpha) + ink * alpha;
      }
    }
    stbtt_FreeBitmap(bitmap, nullptr);
    int advance = 0, bearing = 0;
    stbtt_GetCodepointHMetrics(&font.info, ch, &advance, &bearing);
    x += static_cast<float>(advance) * scale;
  }
}

std::string StateName(std::string_view state) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kNames = {
      {{"MO", "MISSOURI"},
       {"IL", "ILLINOIS"},
       {"KS", "KANSAS"},
       {"AR", "ARKANSAS"},
       {"IA", "IOWA"},
       {"TN", "TENNESSEE"},
       {"KY", "KENTUCKY"},
       {"IN", "INDIANA"},
       {"TX", "TEXAS"},
       {"OK", "OKLAHOMA"},
       {"NE", "NEBRASKA"},
       {"WI", "WISCONSIN"}}};
  if (state.starts_with("US-")) state.remove_prefix(3);
  for (const auto& [code, name] : kNames)
    if (code == state) return std::string(name);
  return std::string(state);
}

void AppendPng(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data),
                                             static_cast<std::size_t>(size));
}

}  // namespace

Result<std::string> RenderPlateCrop(std::string_view plate, std::string_view state,
                                    std::uint64_t seed) {
  const Font& font = LoadFont();
  if (!font.ok) {
    return Status::Unavailable(
        fmt::format("{}: missing (Debian package fonts-dejavu-core)", kPlateFont));
  }
  Rng rng(seed);
  constexpr int W = kPlateCropWidth, H = kPlateCropHeight;
  // The plate: a light ground with a darker band, a border, the state's name
  // above the characters.
  Canvas plate_face(static_cast<std::size_t>(W * H));
  for (int y = 0; y < H; ++y) {
    for (int x = 0; x < W; ++x) {
      float v = 232.0f - static_cast<float>(y) * 0.25f;
      if (y > H - 16) v -= 40;                                 // a tag band along the bottom
      if (x < 4 || y < 4 || x >= W - 4 || y >= H - 4) v = 70;  // the rim
      plate_face[static_cast<std::size_t>(y * W + x)] = v;
    }
  }
  Draw(font, plate_face, StateName(state), 15, W / 2.0f, 22, 60);
  Draw(font, plate_face, plate, plate.size() > 6 ? 40.0f : 46.0f, W / 2.0f, 72, 20);
  // The camera: a small rotation and offset, a blur, grain.
  const double angle = (rng.Uniform() - 0.5) * 12.0 * std::numbers::pi / 180.0;
  const double shift_x = (rng.Uniform() - 0.5) * 10, shift_y = (rng.Uniform() - 0.5) * 6;
  const double cs = std::cos(angle), sn = std::sin(angle);
  Canvas seen(static_cast<std::size_t>(W * H));
  for (int y = 0; y < H; ++y) {
    for (int x = 0; x < W; ++x) {
      const double dx = x - W / 2.0 - shift_x, dy = y - H / 2.0 - shift_y;
      const double sx = cs * dx + sn * dy + W / 2.0, sy = -sn * dx + cs * dy + H / 2.0;
      const int x0 = static_cast<int>(std::floor(sx)), y0 = static_cast<int>(std::floor(sy));
      const double fx = sx - x0, fy = sy - y0;
      auto at = [&](int px, int py) -> double {
        if (px < 0 || py < 0 || px >= W || py >= H) return 40.0;  // the car around the plate
        return static_cast<double>(plate_face[static_cast<std::size_t>(py * W + px)]);
      };
      const double v = at(x0, y0) * (1 - fx) * (1 - fy) + at(x0 + 1, y0) * fx * (1 - fy) +
                       at(x0, y0 + 1) * (1 - fx) * fy + at(x0 + 1, y0 + 1) * fx * fy;
      seen[static_cast<std::size_t>(y * W + x)] = static_cast<float>(v);
    }
  }
  const int blurs = static_cast<int>(rng.Between(1, 2));
  for (int pass = 0; pass < blurs; ++pass) {
    Canvas out(seen.size());
    for (int y = 0; y < H; ++y) {
      for (int x = 0; x < W; ++x) {
        float sum = 0;
        int n = 0;
        for (int j = -1; j <= 1; ++j) {
          for (int i = -1; i <= 1; ++i) {
            const int px = std::clamp(x + i, 0, W - 1), py = std::clamp(y + j, 0, H - 1);
            sum += seen[static_cast<std::size_t>(py * W + px)];
            ++n;
          }
        }
        out[static_cast<std::size_t>(y * W + x)] = sum / static_cast<float>(n);
      }
    }
    seen.swap(out);
  }
  std::vector<unsigned char> gray(seen.size());
  for (std::size_t i = 0; i < seen.size(); ++i) {
    const double grain = (rng.Uniform() - 0.5) * 8;
    gray[i] =
        static_cast<unsigned char>(std::clamp(static_cast<double>(seen[i]) + grain, 0.0, 255.0));
  }
  std::string png;
  if (stbi_write_png_to_func(AppendPng, &png, W, H, 1, gray.data(), W) == 0)
    return Status::Internal("plate crop: PNG encoding failed");
  return png;
}

}  // namespace interdict::sim
