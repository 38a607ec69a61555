import { layerMemory } from "../src/KeyStore.js"
import { keyStoreContract, keyStoreKeepsNoClearMaterial } from "../src/testing/KeyStoreContract.js"

keyStoreContract("memory", layerMemory)
keyStoreKeepsNoClearMaterial("memory", layerMemory)
