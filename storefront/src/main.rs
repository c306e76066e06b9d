fn main() {
    println!("storefront {}", env!("CARGO_PKG_VERSION"));
}
