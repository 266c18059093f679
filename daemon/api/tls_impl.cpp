// The one translation unit that compiles Asio's TLS stream (BOOST_ASIO_SEPARATE_COMPILATION is
// set on aic_core; daemon/core/asio_impl.cpp compiles the rest of Asio).
#include <boost/asio/ssl/impl/src.hpp>
