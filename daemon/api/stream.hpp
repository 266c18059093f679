#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/beast/core/basic_stream.hpp>

namespace aic::api {

/// One accepted connection, unix or TCP, with Beast's per-operation expiry (a timed-out
/// operation closes the socket).
using Stream =
    boost::beast::basic_stream<boost::asio::generic::stream_protocol, boost::asio::any_io_executor>;

} // namespace aic::api
