// The one translation unit that compiles Asio and Beast (BOOST_ASIO_SEPARATE_COMPILATION and
// BOOST_BEAST_SEPARATE_COMPILATION are set on aic_core), so every other file only parses headers.

// GCC 12 reports a false -Wmaybe-uninitialized inside Beast's parser (boost::optional) when
// sanitizers are on; system-header suppression does not reach warnings found after inlining.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
