// PNG through libpng's classic API, reading from and writing to memory. Errors longjmp back to
// the setjmp in each function (libpng's documented pattern); the message is kept for the caller.
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imagecodec.h"

typedef struct {
    const unsigned char *data;
    size_t size, offset;
    char *error;
} png_memory;

static void on_error(png_structp png, png_const_charp message) {
    png_memory *m = png_get_error_ptr(png);
    snprintf(m->error, IMAGECODEC_ERROR_SIZE, "%s", message);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static void read_bytes(png_structp png, png_bytep out, png_size_t count) {
    png_memory *m = png_get_io_ptr(png);
    if (m->size - m->offset < count) png_error(png, "file is truncated");
    memcpy(out, m->data + m->offset, count);
    m->offset += count;
}

/// Reads the header (and the image when `pixels` is not NULL, whose size `info` gives).
static int png_read(const unsigned char *data, size_t size, imagecodec_info *info, unsigned char *pixels, char *error) {
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(error, IMAGECODEC_ERROR_SIZE, "not a PNG file (no PNG signature)");
        return -1;
    }
    png_memory memory = {data, size, 8, error};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &memory, on_error, on_warning);
    if (!png) {
        snprintf(error, IMAGECODEC_ERROR_SIZE, "libpng could not start (out of memory)");
        return -1;
    }
    png_infop header = png_create_info_struct(png);
    png_bytep *volatile rows = NULL;
    if (!header || setjmp(png_jmpbuf(png))) {
        if (!header) snprintf(error, IMAGECODEC_ERROR_SIZE, "libpng could not start (out of memory)");
        free(rows);
        png_destroy_read_struct(&png, header ? &header : NULL, NULL);
        return -1;
    }
    png_set_read_fn(png, &memory, read_bytes);
    png_set_sig_bytes(png, 8);
    png_set_user_limits(png, 1 << 15, 1 << 15);
    png_read_info(png, header);
    png_uint_32 width, height;
    int depth, color, interlace;
    png_get_IHDR(png, header, &width, &height, &depth, &color, &interlace, NULL, NULL);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) png_set_strip_16(png);
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, header);
    int channels = png_get_channels(png, header);
    if (channels != 1 && channels != 3) png_error(png, "unsupported PNG colour type");
    if (!pixels) {
        info->width = (int)width;
        info->height = (int)height;
        info->channels = channels;
    } else {
        if (info->width != (int)width || info->height != (int)height || info->channels != channels)
            png_error(png, "header changed between reads");
        rows = malloc(sizeof(png_bytep) * height);
        if (!rows) png_error(png, "out of memory");
        for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * width * channels;
        png_read_image(png, rows);
        png_read_end(png, NULL);
    }
    free(rows);
    png_destroy_read_struct(&png, &header, NULL);
    return 0;
}

int imagecodec_png_info(const unsigned char *data, size_t size, imagecodec_info *info, char *error) {
    return png_read(data, size, info, NULL, error);
}

int imagecodec_png_decode(const unsigned char *data, size_t size, const imagecodec_info *info,
                          unsigned char *pixels, char *error) {
    imagecodec_info copy = *info;
    return png_read(data, size, &copy, pixels, error);
}

typedef struct {
    unsigned char *data;
    size_t size, capacity;
    char *error;
} png_output;

static void write_bytes(png_structp png, png_bytep bytes, png_size_t count) {
    png_output *o = png_get_io_ptr(png);
    if (o->size + count > o->capacity) {
        size_t capacity = (o->size + count) * 2;
        unsigned char *grown = realloc(o->data, capacity);
        if (!grown) png_error(png, "out of memory");
        o->data = grown;
        o->capacity = capacity;
    }
    memcpy(o->data + o->size, bytes, count);
    o->size += count;
}

static void flush_bytes(png_structp png) { (void)png; }

static void on_write_error(png_structp png, png_const_charp message) {
    png_output *o = png_get_error_ptr(png);
    snprintf(o->error, IMAGECODEC_ERROR_SIZE, "%s", message);
    png_longjmp(png, 1);
}

int imagecodec_png_encode_samples(const unsigned char *rows, int width, int height, int color_type, int bit_depth,
                                  unsigned char **out, size_t *out_size, char *error) {
    return imagecodec_png_encode_full(rows, width, height, color_type, bit_depth, NULL, 0, 0, out, out_size, error);
}

int imagecodec_png_encode_full(const unsigned char *rows, int width, int height, int color_type, int bit_depth,
                               const unsigned char *palette, int palette_count, int interlaced,
                               unsigned char **out, size_t *out_size, char *error) {
    int samples = color_type == PNG_COLOR_TYPE_GRAY ? 1 : color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                : color_type == PNG_COLOR_TYPE_RGB ? 3 : color_type == PNG_COLOR_TYPE_RGB_ALPHA ? 4
                : color_type == PNG_COLOR_TYPE_PALETTE && palette && palette_count > 0 && palette_count <= 256 ? 1 : 0;
    if (samples == 0 || (bit_depth != 8 && bit_depth != 16) || (color_type == PNG_COLOR_TYPE_PALETTE && bit_depth != 8)
        || width <= 0 || height <= 0) {
        snprintf(error, IMAGECODEC_ERROR_SIZE, "cannot encode %dx%d of colour type %d, depth %d", width, height,
                 color_type, bit_depth);
        return -1;
    }
    size_t stride = (size_t)width * samples * (bit_depth / 8);
    png_output output = {NULL, 0, 0, error};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &output, on_write_error, on_warning);
    if (!png) return -1;
    png_infop header = png_create_info_struct(png);
    if (!header || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, header ? &header : NULL);
        free(output.data);
        return -1;
    }
    png_set_write_fn(png, &output, write_bytes, flush_bytes);
    png_set_IHDR(png, header, (png_uint_32)width, (png_uint_32)height, bit_depth, color_type,
                 interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color colors[256];
        for (int i = 0; i < palette_count; i++) {
            colors[i].red = palette[3 * i];
            colors[i].green = palette[3 * i + 1];
            colors[i].blue = palette[3 * i + 2];
        }
        png_set_PLTE(png, header, colors, palette_count);
    }
    png_write_info(png, header);
    int passes = interlaced ? png_set_interlace_handling(png) : 1;
    for (int pass = 0; pass < passes; pass++)
        for (int y = 0; y < height; y++) png_write_row(png, rows + (size_t)y * stride);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &header);
    *out = output.data;
    *out_size = output.size;
    return 0;
}

int imagecodec_png_encode(const unsigned char *pixels, int width, int height, int channels,
                          unsigned char **out, size_t *out_size, char *error) {
    if (channels != 1 && channels != 3) {
        snprintf(error, IMAGECODEC_ERROR_SIZE, "cannot encode %dx%dx%d", width, height, channels);
        return -1;
    }
    return imagecodec_png_encode_samples(pixels, width, height, channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                                         8, out, out_size, error);
}

void imagecodec_free(void *buffer) { free(buffer); }
