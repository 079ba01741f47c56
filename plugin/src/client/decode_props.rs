//! Property tests of the response decoders (filled in by the reliability work).
