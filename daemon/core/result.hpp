#pragma once

#include "core/error.hpp"

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace aic {

/// Wraps an Error so that `return unexpected(err);` reads like std::expected.
struct Unexpected {
  Error error;
};
inline Unexpected unexpected(Error e) {
  return Unexpected{std::move(e)};
}

/// A value or an Error; the subset of std::expected's surface that aic uses.
template <typename T>
class [[nodiscard]] Result {
public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Unexpected u) : v_(std::in_place_index<1>, std::move(u.error)) {}
  Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  Error& error() & {
    assert(!has_value());
    return std::get<1>(v_);
  }
  const Error& error() const& {
    assert(!has_value());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!has_value());
    return std::get<1>(std::move(v_));
  }

private:
  std::variant<T, Error> v_;
};

/// Result of an operation that yields nothing on success.
template <>
class [[nodiscard]] Result<void> {
public:
  Result() = default;
  Result(Unexpected u) : error_(std::move(u.error)), ok_(false) {}
  Result(Error e) : error_(std::move(e)), ok_(false) {}

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& {
    assert(!ok_);
    return error_;
  }
  Error&& error() && {
    assert(!ok_);
    return std::move(error_);
  }

private:
  Error error_{ErrorCode::Internal, ""};
  bool ok_ = true;
};

} // namespace aic
