"""The photo library's room: what a photo file says about itself (metadata), the renditions
made from it (renditions), and the safe fetching of agencies' pictures (downloader). Pure
modules over bytes and Pillow images; the models and the queue that use them come after."""
