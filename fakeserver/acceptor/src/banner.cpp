#include "rdpfault/acceptor/banner.hpp"

#include <array>
#include <string_view>

namespace rdpfault::acceptor {
namespace {

constexpr int kWidth = 256;
constexpr int kHeight = 64;
constexpr int kTile = 64;
constexpr int kScale = 4;

/// 5x7 glyphs, one byte per row, bit 4 = leftmost column.
struct Glyph {
  char ch;
  std::array<std::uint8_t, 7> rows;
};
constexpr std::array<Glyph, 8> kFont = {{
    {'R', {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}},
    {'D', {0x1E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1E}},
    {'P', {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}},
    {'F', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}},
    {'A', {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
    {'U', {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
    {'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}},
    {'T', {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
}};

constexpr std::uint16_t rgb565(int r, int g, int b) {
  return static_cast<std::uint16_t>(((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3));
}

bool text_pixel(int x, int y) {
  constexpr std::string_view kText = "RDPFAULT";
  constexpr int kTextW = static_cast<int>(kText.size()) * 6 * kScale - kScale;
  constexpr int kTextH = 7 * kScale;
  const int x0 = (kWidth - kTextW) / 2;
  const int y0 = (kHeight - kTextH) / 2;
  if (x < x0 || y < y0 || x >= x0 + kTextW || y >= y0 + kTextH) return false;
  const int col = (x - x0) / kScale;
  const int row = (y - y0) / kScale;
  const int index = col / 6;
  const int bit = col % 6;
  if (bit == 5) return false;  // Spacing column.
  const char ch = kText[static_cast<std::size_t>(index)];
  for (const auto& g : kFont) {
    if (g.ch != ch) continue;
    return (g.rows[static_cast<std::size_t>(row)] >> (4 - bit)) & 1;
  }
  return false;
}

/// The tiles' pixels, drawn once per process; only their position depends on the desktop.
const std::vector<std::vector<std::uint16_t>>& tile_pixels() {
  static const auto tiles = [] {
    std::vector<std::vector<std::uint16_t>> t;
    for (int tx = 0; tx < kWidth; tx += kTile) {
      std::vector<std::uint16_t> px(kTile * kTile);
      for (int y = 0; y < kTile; ++y) {
        for (int x = 0; x < kTile; ++x) {
          const int gx = tx + x;
          const std::uint16_t bg = rgb565(0x10, 0x30 + gx / 4, 0x90 + y);
          px[static_cast<std::size_t>(y * kTile + x)] = text_pixel(gx, y) ? rgb565(0xFF, 0xFF, 0xFF) : bg;
        }
      }
      t.push_back(std::move(px));
    }
    return t;
  }();
  return tiles;
}

}  // namespace

std::vector<std::vector<pdu::BitmapRect>> banner_tiles(std::uint16_t desktop_width, std::uint16_t desktop_height) {
  const int ox = desktop_width > kWidth ? (desktop_width - kWidth) / 2 : 0;
  const int oy = desktop_height > kHeight ? (desktop_height - kHeight) / 2 : 0;
  std::vector<std::vector<pdu::BitmapRect>> updates;
  const auto& pixels = tile_pixels();
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    pdu::BitmapRect rect;
    rect.left = static_cast<std::uint16_t>(ox + static_cast<int>(i) * kTile);
    rect.top = static_cast<std::uint16_t>(oy);
    rect.width = kTile;
    rect.height = kTile;
    rect.pixels = pixels[i];
    if (updates.empty() || updates.back().size() == 2) updates.emplace_back();
    updates.back().push_back(std::move(rect));
  }
  return updates;
}

}  // namespace rdpfault::acceptor
