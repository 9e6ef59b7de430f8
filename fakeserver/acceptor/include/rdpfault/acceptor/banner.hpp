#pragma once
/// The picture the fake server paints once a session is active: a 256x64 banner reading
/// "RDPFAULT" on a blue gradient, centred on the desktop, in 64x64 uncompressed tiles. It is
/// what a trainer sees in mstsc or xfreerdp, and proof that the session really is active.
#include <cstdint>
#include <vector>

#include "rdpfault/pdu/rdp.hpp"

namespace rdpfault::acceptor {

/// Tiles grouped per Bitmap Update PDU.
std::vector<std::vector<pdu::BitmapRect>> banner_tiles(std::uint16_t desktop_width, std::uint16_t desktop_height);

}  // namespace rdpfault::acceptor
