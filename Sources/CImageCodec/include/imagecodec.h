// PNG and JPEG decoding (and encoding, for test fixtures) through libpng and libjpeg-turbo.
// Both libraries report errors by longjmp out of a callback, which Swift cannot catch; these
// functions set the jump point here, so a corrupt or truncated file becomes a return value of
// -1 and a message in `error` (never an abort or a jump through Swift frames).
#ifndef IMAGECODEC_H
#define IMAGECODEC_H

#include <stddef.h>

/// An image's size and its own channel count: 1 (gray) or 3 (colour). Alpha is dropped, palettes
/// expand to RGB, 16-bit samples keep their high byte, bit depths below 8 scale up to 8.
typedef struct {
    int width, height, channels;
} imagecodec_info;

#define IMAGECODEC_ERROR_SIZE 200

/// Reads the header of a PNG held in `data[0..<size]`. Returns 0, or -1 with a message.
int imagecodec_png_info(const unsigned char *data, size_t size, imagecodec_info *info, char *error);
/// Decodes a PNG into `pixels`: [height, width, channels] interleaved, `info` as the header says
/// (the caller sizes `pixels` from `imagecodec_png_info`). Returns 0, or -1 with a message.
int imagecodec_png_decode(const unsigned char *data, size_t size, const imagecodec_info *info,
                          unsigned char *pixels, char *error);

/// A well-formed image the decoder does not support (a CMYK JPEG): the message says which.
#define IMAGECODEC_UNSUPPORTED (-2)

/// Reads the header of a JPEG (baseline or progressive; gray, YCbCr or RGB). Returns 0, -1 for a
/// corrupt file, or IMAGECODEC_UNSUPPORTED.
int imagecodec_jpeg_info(const unsigned char *data, size_t size, imagecodec_info *info, char *error);
/// Decodes a JPEG into `pixels`: [height, width, channels]. A warning libjpeg would only print
/// (premature end of data, corrupt entropy data) is an error here. Returns 0, or -1 with a message.
int imagecodec_jpeg_decode(const unsigned char *data, size_t size, const imagecodec_info *info,
                           unsigned char *pixels, char *error);

/// Encodes [height, width, channels] 8-bit pixels (channels 1 or 3) as a PNG into a buffer the
/// caller frees with `imagecodec_free`. Returns 0, or -1 with a message.
int imagecodec_png_encode(const unsigned char *pixels, int width, int height, int channels,
                          unsigned char **out, size_t *out_size, char *error);
/// Encodes samples already in PNG layout (`rows`: height rows of width pixels, 16-bit samples
/// big-endian) with any PNG colour type and bit depth 8 or 16, for tests of the decoder's
/// conversions (alpha dropped, 16 bits to 8). Returns 0, or -1 with a message.
int imagecodec_png_encode_samples(const unsigned char *rows, int width, int height, int color_type, int bit_depth,
                                  unsigned char **out, size_t *out_size, char *error);
/// `imagecodec_png_encode_samples` with a palette (colour type 3: `rows` hold 8-bit indices into
/// `palette_count` RGB triples) and/or Adam7 interlacing. For test fixtures.
int imagecodec_png_encode_full(const unsigned char *rows, int width, int height, int color_type, int bit_depth,
                               const unsigned char *palette, int palette_count, int interlaced,
                               unsigned char **out, size_t *out_size, char *error);
/// Encodes as a baseline JPEG of `quality` (1…100); channels 1 (gray), 3 (RGB) or 4 (CMYK, for
/// fixtures of what the decoder refuses). Returns 0, or -1 with a message.
int imagecodec_jpeg_encode(const unsigned char *pixels, int width, int height, int channels, int quality,
                           unsigned char **out, size_t *out_size, char *error);
void imagecodec_free(void *buffer);

#endif
