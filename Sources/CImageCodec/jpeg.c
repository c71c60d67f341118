// JPEG through libjpeg-turbo, reading from and writing to memory. libjpeg's error_exit is
// replaced by a longjmp back to the setjmp in each function; warnings (which libjpeg only
// prints, then goes on with made-up data) are errors here.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "imagecodec.h"

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *error;
    int warnings;
} jpeg_errors;

static void on_error(j_common_ptr cinfo) {
    jpeg_errors *e = (jpeg_errors *)cinfo->err;
    char message[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, message);
    snprintf(e->error, IMAGECODEC_ERROR_SIZE, "%s", message);
    longjmp(e->jump, 1);
}

static void on_message(j_common_ptr cinfo, int level) {
    jpeg_errors *e = (jpeg_errors *)cinfo->err;
    if (level >= 0) return;  // trace messages
    if (e->warnings++ == 0) {
        char message[JMSG_LENGTH_MAX];
        (*cinfo->err->format_message)(cinfo, message);
        snprintf(e->error, IMAGECODEC_ERROR_SIZE, "%s", message);
    }
}

/// libjpeg's standard error manager with our error_exit (a longjmp) and message hook (warnings count).
static struct jpeg_error_mgr *install_errors(jpeg_errors *errors, char *error) {
    struct jpeg_error_mgr *base = jpeg_std_error(&errors->base);
    errors->base.error_exit = on_error;
    errors->base.emit_message = on_message;
    errors->error = error;
    errors->warnings = 0;
    return base;
}

/// Reads the header (and the image when `pixels` is not NULL, whose size `info` gives).
static int jpeg_read(const unsigned char *data, size_t size, imagecodec_info *info, unsigned char *pixels, char *error) {
    struct jpeg_decompress_struct d;
    jpeg_errors errors;
    d.err = install_errors(&errors, error);
    if (setjmp(errors.jump)) {
        jpeg_destroy_decompress(&d);
        return -1;
    }
    jpeg_create_decompress(&d);
    if (size < 2 || data[0] != 0xFF || data[1] != 0xD8) {
        snprintf(error, IMAGECODEC_ERROR_SIZE, "not a JPEG file (no SOI marker)");
        jpeg_destroy_decompress(&d);
        return -1;
    }
    jpeg_mem_src(&d, data, (unsigned long)size);
    jpeg_read_header(&d, TRUE);
    if (d.jpeg_color_space == JCS_CMYK || d.jpeg_color_space == JCS_YCCK) {
        snprintf(error, IMAGECODEC_ERROR_SIZE, "CMYK JPEG images are not supported (convert them to RGB)");
        jpeg_destroy_decompress(&d);
        return IMAGECODEC_UNSUPPORTED;
    }
    d.out_color_space = d.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    int channels = d.num_components == 1 ? 1 : 3;
    if (!pixels) {
        info->width = (int)d.image_width;
        info->height = (int)d.image_height;
        info->channels = channels;
        jpeg_destroy_decompress(&d);
        return errors.warnings ? -1 : 0;
    }
    if (info->width != (int)d.image_width || info->height != (int)d.image_height || info->channels != channels) {
        snprintf(error, IMAGECODEC_ERROR_SIZE, "header changed between reads");
        jpeg_destroy_decompress(&d);
        return -1;
    }
    jpeg_start_decompress(&d);
    size_t stride = (size_t)d.output_width * (size_t)d.output_components;
    while (d.output_scanline < d.output_height) {
        JSAMPROW row = pixels + (size_t)d.output_scanline * stride;
        jpeg_read_scanlines(&d, &row, 1);
    }
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    return errors.warnings ? -1 : 0;
}

int imagecodec_jpeg_info(const unsigned char *data, size_t size, imagecodec_info *info, char *error) {
    return jpeg_read(data, size, info, NULL, error);
}

int imagecodec_jpeg_decode(const unsigned char *data, size_t size, const imagecodec_info *info,
                           unsigned char *pixels, char *error) {
    imagecodec_info copy = *info;
    return jpeg_read(data, size, &copy, pixels, error);
}

int imagecodec_jpeg_encode(const unsigned char *pixels, int width, int height, int channels, int quality,
                           unsigned char **out, size_t *out_size, char *error) {
    if ((channels != 1 && channels != 3 && channels != 4) || width <= 0 || height <= 0) {
        snprintf(error, IMAGECODEC_ERROR_SIZE, "cannot encode %dx%dx%d", width, height, channels);
        return -1;
    }
    struct jpeg_compress_struct c;
    jpeg_errors errors;
    c.err = install_errors(&errors, error);
    unsigned char *volatile buffer = NULL;
    unsigned long size = 0;
    if (setjmp(errors.jump)) {
        jpeg_destroy_compress(&c);
        free(buffer);
        return -1;
    }
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, (unsigned char **)&buffer, &size);
    c.image_width = (JDIMENSION)width;
    c.image_height = (JDIMENSION)height;
    c.input_components = channels;
    c.in_color_space = channels == 1 ? JCS_GRAYSCALE : channels == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&c);
    if (channels == 4) jpeg_set_colorspace(&c, JCS_CMYK);
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)c.next_scanline * (size_t)width * (size_t)channels);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *out = buffer;
    *out_size = size;
    return 0;
}
